import type { Rule } from '../types';
import { rule as cookieInsecureFlags } from '../rules/cookie-insecure-flags';
import { rule as jwtDecodeAsVerify } from '../rules/jwt-decode-as-verify';
import { rule as jwtSignExpiry } from '../rules/jwt-sign-expiry';
import { rule as jwtVerifyAlgorithms } from '../rules/jwt-verify-algorithms';
import { rule as jwtVerifyClaims } from '../rules/jwt-verify-claims';
import { rule as tokenLocalstorage } from '../rules/token-localstorage';

/** Auth and tokens: rows 1 auth-jwt, 2 token-expiry, 3 token-storage. */
export const AUTH_RULES: readonly Rule[] = [
  jwtVerifyAlgorithms,
  jwtDecodeAsVerify,
  jwtVerifyClaims,
  jwtSignExpiry,
  tokenLocalstorage,
  cookieInsecureFlags,
];
