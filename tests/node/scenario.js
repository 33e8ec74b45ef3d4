// A billing scenario run by the official Node SDK against `stripe-fake serve`.
//
// Environment: STRIPE_FAKE_PORT (the server), RECEIVER_PORT (where this script listens for the
// webhooks the server forwards with --forward-to http://127.0.0.1:RECEIVER_PORT/webhook) and
// WEBHOOK_SECRET (the server's --webhook-secret). Prints one JSON line and exits 0 on success.
"use strict";

const assert = require("node:assert/strict");
const http = require("node:http");
const Stripe = require("stripe");

const port = Number(process.env.STRIPE_FAKE_PORT);
const receiverPort = Number(process.env.RECEIVER_PORT);
const secret = process.env.WEBHOOK_SECRET;
const config = { host: "127.0.0.1", port, protocol: "http", maxNetworkRetries: 0 };
const stripe = new Stripe("sk_test_node_scenario", config);

// -- a webhook receiver that verifies every signature with the Node SDK ----------------------------
const received = [];
const rejected = [];
const receiver = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    try {
      received.push(stripe.webhooks.constructEvent(body, req.headers["stripe-signature"], secret));
      res.writeHead(200).end();
    } catch (err) {
      rejected.push(String(err.message));
      res.writeHead(400).end();
    }
  });
});

async function waitFor(predicate, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function main() {
  await new Promise((resolve) => receiver.listen(receiverPort, "127.0.0.1", resolve));

  const customer = await stripe.customers.create({ email: "node@example.com" });
  const meter = await stripe.billing.meters.create({
    display_name: "API calls",
    event_name: "api_call",
    default_aggregation: { formula: "sum" },
  });
  const alert = await stripe.billing.alerts.create({
    alert_type: "usage_threshold",
    title: "Fifty calls",
    usage_threshold: { gte: 50, meter: meter.id, recurrence: "one_time" },
  });

  // v1 meter events, then the v2 high-throughput stream (on the same port).
  for (const value of ["3", "4"]) {
    await stripe.billing.meterEvents.create({
      event_name: "api_call",
      payload: { stripe_customer_id: customer.id, value },
    });
  }
  const session = await stripe.v2.billing.meterEventSession.create();
  const streamClient = new Stripe(session.authentication_token, config);
  await streamClient.v2.billing.meterEventStream.create({
    events: [{ event_name: "api_call", payload: { stripe_customer_id: customer.id, value: "43" } }],
  });

  // Summaries: today's usage, grouped per day.
  const now = Math.floor(Date.now() / 1000);
  const start = now - (now % 86400) - 86400;
  const summaries = await stripe.billing.meters.listEventSummaries(meter.id, {
    customer: customer.id,
    start_time: start,
    end_time: start + 3 * 86400,
  });
  const total = summaries.data.reduce((sum, s) => sum + s.aggregated_value, 0);
  assert.equal(total, 50);

  // Errors come back as the SDK's typed errors.
  await assert.rejects(stripe.billing.meters.retrieve("mtr_missing"), (err) => {
    assert.equal(err.type, "StripeInvalidRequestError");
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, "resource_missing");
    return true;
  });

  // The alert fired: it is in the events list and was forwarded, signed, to our receiver.
  const events = await stripe.events.list({ type: "billing.alert.triggered" });
  assert.equal(events.data.length, 1);
  assert.equal(events.data[0].data.object.alert.id, alert.id);
  await waitFor(() => received.some((e) => e.type === "billing.alert.triggered"), "billing.alert.triggered");
  const types = received.map((e) => e.type);
  assert.ok(types.includes("customer.created"), `received ${types}`);
  assert.ok(types.includes("billing.meter.created"), `received ${types}`);
  assert.deepEqual(rejected, []);

  // A body that was tampered with does not verify.
  const payload = JSON.stringify({ id: "evt_forged", object: "event" });
  const header = stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_wrong" });
  assert.throws(() => stripe.webhooks.constructEvent(payload, header, secret));

  console.log(JSON.stringify({ ok: true, total, alert: alert.id, received: types }));
}

main()
  .then(() => {
    receiver.close();
    process.exit(0);
  })
  .catch((err) => {
    console.error(err && err.stack ? err.stack : err);
    receiver.close();
    process.exit(1);
  });
