import { api, data } from './http'
import type { PayInput } from './types'

const payment = (paymentId: string) => ({ path: { payment_id: paymentId } })

/** The buyer's payment (支付单) for one checkout. */
export const paymentsApi = {
  get: (paymentId: string) => data(api.GET('/payments/{payment_id}', { params: payment(paymentId) })),
  /** Start paying through a channel; answers what the browser does next (e.g. a redirect). */
  pay: (paymentId: string, body: PayInput, idempotencyKey: string) =>
    data(
      api.POST('/payments/{payment_id}/pay', {
        params: { ...payment(paymentId), header: { 'Idempotency-Key': idempotencyKey } },
        body,
      }),
    ),
  /** Ask the gateway now, for when its notification is late. */
  sync: (paymentId: string) => data(api.POST('/payments/{payment_id}/sync', { params: payment(paymentId) })),
}
