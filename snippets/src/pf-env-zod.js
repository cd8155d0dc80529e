// pf-env-zod: Environment validated with zod at startup; exits on invalid config
const { z } = require('zod');

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().positive().default(${1:3000}),
  DATABASE_URL: z.string().url(),
  JWT_SECRET: z.string().min(32),
  ${2:SESSION_SECRET}: z.string().min(32),
});

const parsed = EnvSchema.safeParse(process.env);
if (!parsed.success) {
  console.error('Invalid environment:', parsed.error.flatten().fieldErrors);
  process.exit(1);
}

const env = parsed.data;
module.exports = { env };
