// pf-error-handler: Production error handler: logs the error, sends a generic message
// Keep it last, after every route.
app.use((err, req, res, next) => {
  ${1:logger}.error({ err, path: req.originalUrl }, 'unhandled error');
  if (res.headersSent) return next(err);
  const status = Number.isInteger(err.status) && err.status >= 400 && err.status < 500 ? err.status : 500;
  res.status(status).json({ error: status === 500 ? 'Internal Server Error' : 'Bad Request' });
});
