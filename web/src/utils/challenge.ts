/**
 * The proof of work a login must show once its account is under attack: find a counter
 * such that SHA-256(nonce + counter) starts with `difficulty` zero bits (about
 * 2^difficulty hashes, well under a second in a browser).
 */

export interface PowChallenge {
  nonce: string
  difficulty: number
}

/** Hashes computed together before yielding to the event loop. */
const BATCH = 256

export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0
  for (const byte of digest) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24
    bits += 8
  }
  return bits
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
}

/** The counter (as the decimal text the server expects) that solves the challenge. */
export async function solveChallenge({ nonce, difficulty }: PowChallenge): Promise<string> {
  for (let start = 0; ; start += BATCH) {
    const counters = Array.from({ length: BATCH }, (_, i) => start + i)
    const digests = await Promise.all(counters.map((counter) => sha256(`${nonce}${counter}`)))
    const found = digests.findIndex((digest) => leadingZeroBits(digest) >= difficulty)
    if (found >= 0) return String(counters[found])
  }
}
