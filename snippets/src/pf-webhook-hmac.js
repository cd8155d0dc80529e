// pf-webhook-hmac: Webhook HMAC verification with timingSafeEqual and a timestamp tolerance
const WEBHOOK_TOLERANCE_SECONDS = ${1:300};

function verifyWebhook(rawBody, signatureHeader, timestampHeader, secret) {
  const timestamp = Number(timestampHeader);
  if (!Number.isFinite(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > WEBHOOK_TOLERANCE_SECONDS) {
    return false;
  }
  const expected = crypto.createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest();
  const received = Buffer.from(String(signatureHeader || ''), 'hex');
  return received.length === expected.length && crypto.timingSafeEqual(received, expected);
}
