/** Payment channels (支付方式) as the cashier offers them. */
import type { PayChannel } from '@/api/types'

/** Every channel the API knows, in the order the cashier lists them. */
export const PAY_CHANNELS: readonly PayChannel[] = ['sandbox', 'alipay', 'wechat', 'unionpay']

/** The channels this deployment can take now; the rest are listed, disabled (the API answers 409 `channel_unavailable`). */
export const OPEN_CHANNELS: ReadonlySet<PayChannel> = new Set<PayChannel>(['sandbox'])

/** Leave the app for a gateway's page (its hosted cashier). */
export function redirectTo(url: string): void {
  window.location.assign(url)
}
