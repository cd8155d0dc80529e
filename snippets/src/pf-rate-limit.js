// pf-rate-limit: Rate limiters: 5 attempts per 15 minutes on auth routes, 60 per minute on the API
const authLimiter = rateLimit({
  windowMs: 15 * 60 * 1000,
  limit: ${1:5},
  standardHeaders: 'draft-7',
  legacyHeaders: false,
  message: { error: 'Too many attempts, try again later' },
});
const apiLimiter = rateLimit({ windowMs: 60 * 1000, limit: ${2:60}, standardHeaders: 'draft-7', legacyHeaders: false });

app.use('/api', apiLimiter);
app.use('${3:/auth}', authLimiter);
