import { onBeforeUnmount, ref } from 'vue'

import { paymentsApi } from '@/api/payments'
import type { Payment } from '@/api/types'

/** Pauses between checks while a payment is still pending (about 15 s in all). */
export const POLL_DELAYS_MS: readonly number[] = [1000, 1500, 2000, 2500, 3000, 5000]

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * What became of a payment after the gateway sent the buyer back. The gateway's notification
 * may arrive a moment later, so while the payment is pending: ask the gateway once
 * (`POST /sync`), then look again a few times.
 */
export function usePaymentResult(paymentId: () => string) {
  const payment = ref<Payment | null>(null)
  const checking = ref(false)
  const error = ref<unknown>(null)
  let synced = false
  let stopped = false
  onBeforeUnmount(() => {
    stopped = true
  })

  async function syncOnce(id: string): Promise<void> {
    if (synced) return
    synced = true
    try {
      payment.value = await paymentsApi.sync(id)
    } catch {
      // The gateway could not be asked now; its notification still comes, so keep looking.
    }
  }

  async function check(): Promise<void> {
    const id = paymentId()
    checking.value = true
    error.value = null
    try {
      payment.value = await paymentsApi.get(id)
      if (payment.value.status === 'pending') await syncOnce(id)
      for (const delay of POLL_DELAYS_MS) {
        if (stopped || payment.value?.status !== 'pending') break
        await sleep(delay)
        if (!stopped) payment.value = await paymentsApi.get(id)
      }
    } catch (e) {
      error.value = e
    } finally {
      checking.value = false
    }
  }

  return { payment, checking, error, check }
}
