// pf-require-role: requireRole middleware that logs denied attempts
function requireRole(...roles) {
  return (req, res, next) => {
    const user = req.user;
    if (user && roles.includes(user.role)) return next();
    ${1:logger}.warn({ userId: user?.id, path: req.originalUrl, required: roles }, 'access denied: missing role');
    return res.status(user ? 403 : 401).json({ error: user ? 'Forbidden' : 'Unauthorized' });
  };
}
