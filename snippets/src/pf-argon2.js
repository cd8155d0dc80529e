// pf-argon2: Password hashing and verification with argon2id
const argon2 = require('argon2');

async function hashPassword(plain) {
  return argon2.hash(plain, { type: argon2.argon2id, memoryCost: ${1:19456}, timeCost: 2, parallelism: 1 });
}

async function verifyPassword(hash, plain) {
  try {
    return await argon2.verify(hash, plain);
  } catch {
    return false;
  }
}
