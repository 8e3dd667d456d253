import { http } from './http'
import type { PayInput, PayResult, Payment } from './types'

const paymentPath = (paymentId: string) => `/payments/${encodeURIComponent(paymentId)}`

/** The buyer's payment (支付单) for one checkout. */
export const paymentsApi = {
  get: (paymentId: string) => http.get<Payment>(paymentPath(paymentId)),
  /** Start paying through a channel; answers what the browser does next (e.g. a redirect). */
  pay: (paymentId: string, body: PayInput, idempotencyKey: string) =>
    http.post<PayResult>(`${paymentPath(paymentId)}/pay`, body, { 'Idempotency-Key': idempotencyKey }),
  /** Ask the gateway now, for when its notification is late. */
  sync: (paymentId: string) => http.post<Payment>(`${paymentPath(paymentId)}/sync`),
}
