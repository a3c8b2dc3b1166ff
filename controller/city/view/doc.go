// Package view serves the city's pages: every centre ranked by its waits
// against target, with satisfaction, uplink and device health, kept live
// by server-sent events read again every Refresh; a centre's 30-day trend;
// and the table as CSV. It reads the city's store (controller/city) and
// signs people in with the city configuration's users through the pages
// shared with the centre (controller/pages), so that the centre's program
// links nothing of the city's.
package view
