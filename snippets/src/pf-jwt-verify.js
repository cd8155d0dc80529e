// pf-jwt-verify: JWT verification with a pinned algorithm, issuer and audience
function verifyAccessToken(token) {
  return jwt.verify(token, ${1:process.env.JWT_PUBLIC_KEY}, {
    algorithms: ['${2:RS256}'],
    issuer: '${3:https://auth.example.com}',
    audience: '${4:api.example.com}',
    clockTolerance: 5,
  });
}
