// Test clocks from the official Node SDK against `stripe-fake serve`: deterministic time through
// Stripe's own API. A customer on a clock subscribes to a licensed seat and metered calls, reports
// usage, and the clock is advanced past the period end and the draft hour; the renewal invoice is
// paid and bills the usage. Environment: STRIPE_FAKE_PORT. Prints one JSON line, exits 0 on success.
"use strict";

const assert = require("node:assert/strict");
const Stripe = require("stripe");

const config = {
  host: "127.0.0.1", port: Number(process.env.STRIPE_FAKE_PORT), protocol: "http", maxNetworkRetries: 0,
};
const stripe = new Stripe("sk_test_node_clocks", config);
const START = 1772323200; // 2026-03-01T00:00:00Z
const APRIL = 1775001600; // 2026-04-01T00:00:00Z

async function main() {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: START, name: "node" });
  const customer = await stripe.customers.create({
    test_clock: clock.id,
    payment_method: "pm_card_visa",
    invoice_settings: { default_payment_method: "pm_card_visa" },
  });
  assert.equal(customer.created, START);
  const meter = await stripe.billing.meters.create({
    display_name: "Calls", event_name: "call", default_aggregation: { formula: "sum" },
  });
  const seat = await stripe.prices.create({
    currency: "usd", unit_amount: 1000, recurring: { interval: "month" }, product_data: { name: "Seat" },
  });
  const calls = await stripe.prices.create({
    currency: "usd", unit_amount: 2, product_data: { name: "Calls" },
    recurring: { interval: "month", usage_type: "metered", meter: meter.id },
  });
  const sub = await stripe.subscriptions.create({
    customer: customer.id, items: [{ price: seat.id }, { price: calls.id }],
  });
  assert.equal(sub.items.data[0].current_period_end, APRIL);
  for (let i = 0; i < 5; i++) {
    // no timestamp: the event happens at the clock's time
    await stripe.billing.meterEvents.create({
      event_name: "call", payload: { stripe_customer_id: customer.id, value: "100" },
    });
  }
  const advancing = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: APRIL + 7200 });
  assert.equal(advancing.status, "advancing");
  const ready = await stripe.testHelpers.testClocks.retrieve(clock.id);
  assert.equal(ready.status, "ready");
  const invoices = await stripe.invoices.list({ customer: customer.id });
  const cycle = invoices.data.find((invoice) => invoice.billing_reason === "subscription_cycle");
  assert.ok(cycle, "a renewal invoice");
  assert.equal(cycle.created, APRIL);
  assert.equal(cycle.status, "paid");
  const events = await stripe.events.list({ type: "test_helpers.test_clock.ready" });
  console.log(JSON.stringify({
    ok: true, amount_paid: cycle.amount_paid, invoices: invoices.data.length, ready_events: events.data.length,
  }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
