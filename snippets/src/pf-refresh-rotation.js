// pf-refresh-rotation: Refresh token rotation with reuse detection (a reused token revokes its family)
async function rotateRefreshToken(presented) {
  const tokenHash = crypto.createHash('sha256').update(presented).digest('hex');
  const stored = await ${1:refreshTokens}.findOne({ tokenHash });
  if (!stored || stored.expiresAt < new Date()) {
    throw new Error('invalid refresh token');
  }
  if (stored.usedAt) {
    // Reuse means the token was stolen: revoke every token of this login.
    await ${1:refreshTokens}.updateMany({ familyId: stored.familyId }, { $set: { revokedAt: new Date() } });
    throw new Error('refresh token reuse detected');
  }
  if (stored.revokedAt) throw new Error('refresh token revoked');
  await ${1:refreshTokens}.updateOne({ _id: stored._id }, { $set: { usedAt: new Date() } });
  const next = crypto.randomBytes(32).toString('base64url');
  await ${1:refreshTokens}.insertOne({
    tokenHash: crypto.createHash('sha256').update(next).digest('hex'),
    familyId: stored.familyId,
    userId: stored.userId,
    expiresAt: new Date(Date.now() + ${2:14} * 24 * 60 * 60 * 1000),
  });
  return { userId: stored.userId, refreshToken: next };
}
