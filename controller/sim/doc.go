// Package sim is a discrete-event simulator of a centre's days that drives
// the real queue engine (controller/engine) on a virtual clock: citizens
// take tickets at a kiosk, counters call, serve, transfer, wait for
// no-shows and take breaks, all through Engine.Handle, thousands of days a
// minute. It compares ordering policies on the same citizens and measures
// the waits printed on tickets against the waits that followed.
//
// # Scenarios
//
// A Scenario (scenarios/*.yaml, embedded) describes a kind of day: opening
// hours (sessions), expected tickets and the arrival peaks, the service
// mix with lognormal service times (mean and coefficient of variation),
// the counters with their services and levels and staff speed, legal
// priority, no-shows with their call timeout, transfers, planned breaks and
// unplanned outages. A scenario may start from another (base:) and change
// some fields.
//
// Tickets are issued from a session's opening to its close; counters serve
// whoever holds one, then stop. Each day's citizens (arrival, service,
// priority, service-time draws, no-show, transfer) are drawn from
// math/rand/v2 with the seed and the day only, before any policy sees them:
// the same seed gives every policy the same citizens, and the same results.
//
// # Wiring
//
//	s, _ := sim.Load("commune")
//	run, _ := sim.Simulate(sim.Options{Scenario: s, Policy: "balance", Days: 100, Seed: 1, Predict: true})
//	st := run.Stats(s.Targets())
//
// Bench runs every Contender on every scenario in parallel and Markdown
// writes the tables of BENCHMARKS.md; controller/cmd/simulate is the
// command.
package sim
