// Package report builds a centre's reports by day, ISO week (Monday to
// Sunday) or month, per service, per counter or per staff member, from the
// events the store keeps, and exports them as CSV, Excel (.xlsx) and an
// inline SVG chart, in Vietnamese or English.
//
// # Periods
//
// A period runs from a local midnight to a local midnight in the centre's
// Location (Asia/Ho_Chi_Minh unless configured otherwise), never UTC: 07:00
// in Viet Nam is UTC midnight and splits no day. Range gives the bounds.
//
// # Figures
//
// The events read are those of the events table with at (Unix nanoseconds)
// in [From, To), in id order, each joined to its ticket's issue time
// (tickets.issued). The figures are counted exactly so:
//
//   - A ticket's life is a series of visits. The first starts in the queue
//     at the ticket's issue time, also for an offline ticket whose
//     "issued_offline" event comes later; each "transferred" event ends a
//     visit and starts the next in the queue at the event's time. A
//     "transferred" event carries the service the ticket leaves.
//   - Issued: "issued" and "issued_offline" events by the event's service,
//     minus "replaced" events (a kiosk's ticket replaced by an offline one)
//     by the event's service. Tickets are issued by no counter or staff
//     member: per counter and per staff a row's Issued is 0 and the exports
//     leave it empty; the total and the days count every ticket.
//   - Wait: for each visit, from its queue start to its first call, the
//     first "called", "called_out_of_order" or "recalled" event after the
//     start ("called_again" never counts), counted for the service, counter
//     and staff member of that call. MeanWait is their mean, P90Wait the
//     nearest-rank 90th percentile: the smallest wait w such that at least
//     90% of the waits are <= w. Waits is how many were measured.
//   - Service time: for a visit that ends "served", from its last call
//     ("called", "called_again", "recalled" or "called_out_of_order") to the
//     "served" event. MeanService is their mean.
//   - Served, NoShows: "served" and "no_show" events; Transferred:
//     "transferred" events, counted for the service left. Each by the
//     event's service, counter and staff member.
//   - Ratings: "rated" events, whose detail is the protocol.Rating, by the
//     event's service, counter and staff member; when a ticket is rated
//     again only its last rating counts. Score is the percentage of ratings
//     that are very satisfied or satisfied, 0 with no rating (the exports
//     leave it empty).
//   - "reset", "parked", "paused", "resumed", "reassigned" and "replaced"
//     (but for Issued) events count for nothing else.
//   - Held and voided tickets are no citizens: a ticket issued with hold
//     has a "held" event, and its "issued" event only when its kiosk
//     confirms it reached the citizen (then its wait still runs from its
//     issue time). A ticket voided (its print failed, or nobody confirmed
//     it in time) has a "voided" event and, never called, no wait, no
//     service and no no-show: "held" and "voided" count for nothing. A
//     voided ticket confirmed later counts once, by its "issued" event.
//
// # Staff
//
// An event whose actor is "web:<user>" was done by that user. Any other
// (a counter's keypad, "counter-3") is the doing of the user signed in at
// the event's counter: the latest "signed_in" event of that counter by
// actor "web:<user>" at or before it on the same local day (sign-ins are
// read from the local day's start). An event with none is unattributed: the
// row keyed "" and named "(không rõ)" / "(unknown)".
//
// # Rows
//
// Per service and per counter every configured one has a row, in the
// configuration's order, then any other met in the events; staff rows are
// sorted by user name, the unattributed last. Report.Days holds one row per
// local day of the period with that day's totals, by the same definitions;
// each event counts on the local day of its time (a rating on the day of
// the ticket's last rating).
//
// # Exports
//
// CSV is UTF-8 with a byte order mark so that Excel reads Vietnamese
// correctly. XLSX has a sheet of the rows and their total and a sheet of the
// days, figures as numbers, minutes with one decimal. SVG is one inline
// chart with no script and no external resource. Labels come from one
// table of Vietnamese and English words; rows are named by the
// configuration's Text.In(lang) and Options.StaffName.
//
// # Wiring
//
//	r, err := report.Build(ctx, st, report.Options{Centre: centre, StaffName: displayName},
//		report.Query{Period: report.Week, Day: time.Now(), By: report.ByService, Lang: "vi"})
//	if errors.Is(err, report.ErrPeriod) { /* 400 */ }
//	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
//	err = r.CSV(w, "vi")
package report
