// pf-cookie-options: Secure cookie options for a refresh token
const refreshCookieOptions = {
  httpOnly: true,
  secure: true,
  sameSite: 'strict',
  path: '${1:/auth/refresh}',
  maxAge: ${2:14} * 24 * 60 * 60 * 1000,
};

res.cookie('refreshToken', refreshToken, refreshCookieOptions);
