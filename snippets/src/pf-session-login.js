// pf-session-login: Login route that regenerates the session before storing the user
router.post('${1:/login}', loginLimiter, async (req, res, next) => {
  const { email, password } = credentialsSchema.parse(req.body);
  const user = await ${2:users}.verifyCredentials(email, password);
  if (!user) {
    return res.status(401).json({ error: 'Invalid email or password' });
  }
  // A new session id on login defeats session fixation.
  req.session.regenerate((err) => {
    if (err) return next(err);
    req.session.userId = user.id;
    req.session.save((saveErr) => {
      if (saveErr) return next(saveErr);
      res.json({ ok: true });
    });
  });
});
