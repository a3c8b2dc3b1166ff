package report_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/report"
	"github.com/sothutu/sothutu/protocol"
)

var allBy = []report.By{report.ByService, report.ByCounter, report.ByStaff}

// scriptedDay plays a day at the example centre, and the first minutes of
// the next, through the real engine into the store.
func scriptedDay(t *testing.T) *script {
	c := exampleCentre(t)
	day1 := func(h, m, s int) time.Time { return time.Date(2026, 11, 23, h, m, s, 0, hcm) }
	day2 := func(h, m, s int) time.Time { return time.Date(2026, 11, 24, h, m, s, 0, hcm) }
	s := newScript(t, c, day1(6, 0, 0))
	c1, c2, c3, c6, c7 := keypad("1"), keypad("2"), keypad("3"), keypad("6"), keypad("7")
	mai5, mai4 := web("mai", "5"), web("mai", "4")

	// 06:59 and 07:00:30 are either side of UTC midnight: the same local day.
	s.at(day1(6, 59, 0))
	s.issue("kiosk-1", "A", "") // A001
	s.at(day1(7, 0, 30))
	s.issue("kiosk-1", "B", "") // B001
	s.at(day1(7, 1, 0))
	s.signIn("3", "lan")
	s.at(day1(7, 5, 0))
	s.issue("kiosk-2", "C", "") // C001
	s.at(day1(7, 6, 0))
	s.issue("kiosk-1", "A", "") // A002
	s.at(day1(7, 7, 0))
	s.issue("kiosk-1", "D", "") // D001
	s.commit()
	// Kiosk 2 printed A950 offline at 07:02 and hands it over at 07:20.
	s.at(day1(7, 20, 0))
	s.offline("kiosk-2", "A", "A950", day1(7, 2, 0), "")
	// Kiosk 1 gave up waiting for E001 and printed E900 instead.
	s.at(day1(7, 21, 0))
	if n := s.issue("kiosk-1", "E", "press-1"); n != "E001" {
		t.Fatalf("issued %s, want E001", n)
	}
	s.at(day1(7, 22, 0))
	s.offline("kiosk-1", "E", "E900", day1(7, 21, 30), "press-1")
	s.replaced("E001")
	s.commit()

	s.at(day1(7, 30, 0))
	s.callTicket(c1, "A001") // waited 31m, counter 1, nobody signed in
	s.at(day1(7, 31, 0))
	s.callAgain(c1)
	s.at(day1(7, 35, 0))
	s.callTicket(c3, "B001") // waited 34m30s, lan
	s.at(day1(7, 40, 0))
	s.complete(c1) // 9m from the call again
	s.at(day1(7, 41, 0))
	s.rate(c1, protocol.RatingSatisfied)
	s.at(day1(7, 42, 0))
	s.rate(c1, protocol.RatingVerySatisfied) // rated again: this one counts
	s.at(day1(7, 45, 0))
	s.transfer(c3, "C", "") // B001 leaves B for C
	s.at(day1(7, 46, 0))
	s.callTicket(c3, "C001") // waited 41m
	s.at(day1(7, 47, 0))
	s.callTicket(c2, "A002") // waited 41m
	s.at(day1(7, 48, 0))
	s.park(c3)
	s.at(day1(7, 50, 0))
	s.transfer(c2, "", "6") // A002 to counter 6
	s.at(day1(7, 50, 30))
	s.callTicket(mai5, "B001") // waited 5m30s in C since the transfer, mai
	s.commit()
	s.at(day1(7, 55, 0))
	s.recall(c3, "C001")
	s.at(day1(7, 58, 0))
	s.complete(mai5) // 7m30s
	s.at(day1(7, 59, 0))
	s.rate(mai5, protocol.RatingDissatisfied)
	s.at(day1(8, 0, 0))
	s.callTicket(c1, "A950") // waited 58m since it was printed
	s.at(day1(8, 0, 30))
	s.complete(c3) // C001, 5m30s since the recall
	s.at(day1(8, 5, 0))
	if n := s.callNext(c6); n != "A002" {
		t.Fatalf("counter 6 called %s, want A002 sent to it", n)
	} // waited 15m since the transfer
	s.at(day1(8, 7, 0))
	s.noShow(c6)
	s.at(day1(8, 10, 0))
	s.callTicket(c6, "D001") // waited 63m
	s.at(day1(8, 10, 30))
	s.complete(c1) // A950, 10m30s
	s.at(day1(8, 20, 0))
	s.complete(c6) // 10m
	s.at(day1(8, 21, 0))
	s.rate(c6, protocol.RatingNeutral)
	s.at(day1(8, 30, 0))
	if n := s.callNext(c7); n != "E900" {
		t.Fatalf("counter 7 called %s, want E900", n)
	} // waited 68m30s since it was printed
	s.at(day1(8, 35, 0))
	s.complete(c7)
	s.at(day1(8, 36, 0))
	s.rate(c7, protocol.RatingVerySatisfied)
	s.commit()

	// Hoa takes over counter 3.
	s.at(day1(9, 0, 0))
	s.signIn("3", "hoa")
	s.at(day1(9, 1, 0))
	s.issue("kiosk-1", "B", "") // B002
	s.at(day1(9, 5, 0))
	if n := s.callNext(c3); n != "B002" {
		t.Fatalf("counter 3 called %s, want B002", n)
	} // waited 4m, hoa
	s.at(day1(9, 15, 0))
	if n := s.callNext(c3); n != "" { // completes B002, 10m
		t.Fatalf("counter 3 called %s, want nobody", n)
	}
	s.at(day1(9, 16, 0))
	s.rate(c3, protocol.RatingSatisfied)
	// A break counts for nothing.
	s.at(day1(9, 30, 0))
	s.do(web("an", "8"), protocol.Request{Op: protocol.OpPause, Reason: "nghỉ"})
	s.at(day1(9, 40, 0))
	s.do(web("an", "8"), protocol.Request{Op: protocol.OpResume})
	s.at(day1(22, 0, 0))
	s.issue("kiosk-1", "F", "") // F001, never called: reset at midnight
	s.at(day1(23, 58, 0))
	s.issue("kiosk-1", "B", "") // B003
	s.at(day1(23, 59, 0))
	s.callTicket(mai4, "B003") // waited 1m, mai at counter 4
	s.at(day1(23, 59, 30))
	s.complete(mai4) // 30s
	s.commit()

	// After local midnight: yesterday's sign-ins no longer hold.
	s.at(day2(0, 0, 30))
	s.issue("kiosk-1", "B", "") // B001 of the 24th
	s.at(day2(0, 2, 0))
	if n := s.callNext(c3); n != "B001" {
		t.Fatalf("counter 3 called %s, want B001", n)
	} // waited 1m30s, nobody
	s.at(day2(0, 5, 0))
	s.complete(c3) // 3m
	s.at(day2(0, 6, 0))
	s.signIn("3", "hoa")
	s.at(day2(0, 7, 0))
	s.issue("kiosk-1", "C", "") // C001 of the 24th
	s.at(day2(0, 10, 0))
	if n := s.callNext(c3); n != "C001" {
		t.Fatalf("counter 3 called %s, want C001", n)
	} // waited 3m, hoa
	s.at(day2(0, 12, 0))
	s.noShow(c3)
	s.commit()
	return s
}

func build(t *testing.T, s *script, p report.Period, day time.Time, by report.By) *report.Report {
	t.Helper()
	r, err := report.Build(s.ctx, s.st, report.Options{Centre: s.c}, report.Query{Period: p, Day: day, By: by})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestScriptedDay(t *testing.T) {
	s := scriptedDay(t)
	mon := time.Date(2026, 11, 23, 12, 0, 0, 0, hcm)
	tue := mon.AddDate(0, 0, 1)
	for _, by := range allBy {
		compareReport(t, "day "+string(by), build(t, s, report.Day, mon, by), s.l, []string{"2026-11-23"})
		compareReport(t, "next day "+string(by), build(t, s, report.Day, tue, by), s.l, []string{"2026-11-24"})
		compareReport(t, "week "+string(by), build(t, s, report.Week, mon, by), s.l, []string{"2026-11-23", "2026-11-24"})
	}

	// A few figures worked out by hand from the script's comments.
	r := build(t, s, report.Day, mon, report.ByService)
	get := func(r *report.Report, key string) report.Row {
		t.Helper()
		for _, row := range r.Rows {
			if row.Key == key {
				return row
			}
		}
		t.Fatalf("no row %q in %v", key, r.Rows)
		return report.Row{}
	}
	tot := r.Total
	if tot.Issued != 10 || tot.Served != 8 || tot.NoShows != 1 || tot.Transferred != 2 || tot.Waits != 11 {
		t.Errorf("day total %+v, want 10 issued, 8 served, 1 no-show, 2 transferred, 11 waits", tot)
	}
	// Waits 1, 4, 5.5, 15, 31, 34.5, 41, 41, 58, 63, 68.5 minutes.
	if tot.P90Wait != 63*time.Minute || tot.MeanWait != 21750*time.Second/11 {
		t.Errorf("day waits: mean %v, p90 %v, want %v and 63m", tot.MeanWait, tot.P90Wait, 21750*time.Second/11)
	}
	if tot.Ratings[protocol.RatingVerySatisfied] != 2 || tot.Rated() != 5 || tot.Score != 60 {
		t.Errorf("day ratings %v score %v, want 2 very satisfied of 5, 60%%", tot.Ratings, tot.Score)
	}
	if a := get(r, "A"); a.Issued != 3 || a.Served != 2 || a.NoShows != 1 || a.Transferred != 1 ||
		a.MeanService != (9*time.Minute+10*time.Minute+30*time.Second)/2 {
		t.Errorf("service A %+v", a)
	}
	if e := get(r, "E"); e.Issued != 1 || e.Served != 1 || e.MeanWait != 68*time.Minute+30*time.Second {
		t.Errorf("service E (one replaced, one offline) %+v", e)
	}
	if c := get(r, "C"); c.Served != 2 || c.Waits != 2 || c.Transferred != 0 || c.MeanWait != (41*time.Minute+5*time.Minute+30*time.Second)/2 {
		t.Errorf("service C %+v", c)
	}
	st := build(t, s, report.Day, mon, report.ByStaff)
	if lan := get(st, "lan"); lan.Waits != 2 || lan.Served != 1 || lan.Transferred != 1 {
		t.Errorf("lan %+v, want 2 calls, 1 served, 1 transferred", lan)
	}
	if mai := get(st, "mai"); mai.Served != 2 || mai.Ratings[protocol.RatingDissatisfied] != 1 || mai.Score != 0 {
		t.Errorf("mai %+v", mai)
	}
	if hoa := get(st, "hoa"); hoa.Served != 1 || hoa.MeanService != 10*time.Minute || hoa.Score != 100 {
		t.Errorf("hoa %+v", hoa)
	}
	if r.Rows[len(r.Rows)-1].Key == "" {
		t.Errorf("a service row without key")
	}
	if u := get(st, ""); u.Name != "(không rõ)" || u.Served != 4 {
		t.Errorf("unattributed %+v, want 4 served", u)
	}
	st2 := build(t, s, report.Day, tue, report.ByStaff)
	if u := get(st2, ""); u.Served != 1 || u.Waits != 1 {
		t.Errorf("unattributed after midnight %+v, want B001's call and service (yesterday's sign-in)", u)
	}
	if h := get(st2, "hoa"); h.NoShows != 1 || h.Waits != 1 || h.MeanWait != 3*time.Minute {
		t.Errorf("hoa after midnight %+v", h)
	}
	w := build(t, s, report.Week, mon, report.ByCounter)
	if len(w.Days) != 7 || w.Days[0].Key != "2026-11-23" || w.Days[1].Key != "2026-11-24" ||
		w.Days[0].Issued != 10 || w.Days[1].Issued != 2 || w.Days[1].Served != 1 || w.Days[6].Key != "2026-11-29" {
		t.Errorf("week days %+v", w.Days)
	}
	if names := rowKeys(w); !slices.Equal(names, []string{"1", "2", "3", "4", "5", "6", "7", "8"}) {
		t.Errorf("counter rows %v", names)
	}
	if w.Rows[0].Name != "Quầy 1" || w.Rows[0].Issued != 0 {
		t.Errorf("counter 1 %+v", w.Rows[0])
	}
}

func rowKeys(r *report.Report) []string {
	var keys []string
	for _, row := range r.Rows {
		keys = append(keys, row.Key)
	}
	return keys
}

// TestRandomDay plays a seeded day of several hundred tickets, the ledger
// kept as the script goes.
func TestRandomDay(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			s := randomDay(t, seed, 400)
			day := time.Date(2026, 11, 23, 12, 0, 0, 0, hcm)
			issued := 0
			for _, by := range allBy {
				r := build(t, s, report.Day, day, by)
				compareReport(t, string(by), r, s.l, []string{"2026-11-23"})
				issued = r.Total.Issued
			}
			if issued < 350 {
				t.Errorf("only %d tickets issued", issued)
			}
		})
	}
}

func randomDay(t *testing.T, seed uint64, tickets int) *script {
	c := exampleCentre(t)
	rng := rand.New(rand.NewPCG(seed, 99))
	s := newScript(t, c, time.Date(2026, 11, 23, 7, 0, 0, 0, hcm))
	s.at(s.now)
	users := []string{"lan", "mai", "hoa", "binh", "tuan"}
	offlineNext := map[string]int{"kiosk-1": 900, "kiosk-2": 950}
	// skills of each counter, from the configuration
	skills := map[string][]string{}
	for _, k := range c.Counters {
		for _, sk := range k.Services {
			skills[k.ID] = append(skills[k.ID], sk.Service)
		}
	}
	services := []string{"A", "B", "C", "D", "E", "F"}
	actorFor := func(counter string) engine.Actor {
		if rng.IntN(4) == 0 {
			return web(users[rng.IntN(len(users))], counter)
		}
		return keypad(counter)
	}
	issued, steps := 0, 0
	for issued < tickets || len(s.l.current) > 0 {
		steps++
		if steps > 20*tickets {
			break
		}
		s.at(s.now.Add(time.Duration(rng.IntN(60)+1) * time.Second))
		if steps%25 == 0 {
			s.commit()
		}
		if issued < tickets && rng.IntN(3) == 0 {
			k := []string{"kiosk-1", "kiosk-2"}[rng.IntN(2)]
			svc := services[rng.IntN(len(services))]
			switch {
			case rng.IntN(10) == 0 && offlineNext[k] < map[string]int{"kiosk-1": 950, "kiosk-2": 1000}[k]:
				n := offlineNext[k]
				offlineNext[k]++
				printed := s.now.Add(-time.Duration(rng.IntN(600)) * time.Second)
				if s.c.Day(printed) != s.l.day {
					printed = s.now
				}
				number := fmt.Sprintf("%s%03d", svc, n)
				replaces := ""
				if rng.IntN(2) == 0 {
					// It asked first, and gave up before the reply.
					replaces = fmt.Sprint("press-", steps)
					lost := s.issue(k, svc, replaces)
					s.replaced(lost)
					issued++
				}
				s.offline(k, svc, number, printed, replaces)
			default:
				s.issue(k, svc, "")
			}
			issued++
			continue
		}
		if rng.IntN(40) == 0 {
			counter := strconv.Itoa(rng.IntN(8) + 1)
			s.signIn(counter, users[rng.IntN(len(users))])
			continue
		}
		counter := strconv.Itoa(rng.IntN(8) + 1)
		a := actorFor(counter)
		if cur := s.l.current[counter]; cur != nil {
			switch x := rng.IntN(20); {
			case x < 9:
				s.complete(a)
			case x < 11:
				s.noShow(a)
			case x < 13:
				s.callAgain(a)
			case x < 14:
				to := services[rng.IntN(len(services))]
				if to == cur.service {
					continue
				}
				s.transfer(a, to, "")
			case x < 15:
				to := strconv.Itoa(rng.IntN(8) + 1)
				if to == counter {
					continue
				}
				s.transfer(a, "", to)
			case x < 16:
				s.park(a)
			default:
				s.callNext(a)
			}
			continue
		}
		switch x := rng.IntN(10); {
		case x < 5:
			s.callNext(a)
		case x < 7:
			if last := s.l.last[counter]; last != nil {
				s.rate(a, protocol.Ratings[rng.IntN(len(protocol.Ratings))])
			}
		case x < 8:
			for _, tk := range s.l.order {
				if tk.state == "parked" && tk.counter == counter && s.l.tickets[tk.number] == tk {
					s.recall(a, tk.number)
					break
				}
			}
		default:
			// call a waiting ticket out of order
			var can []*lticket
			for _, tk := range s.l.order {
				if tk.state == "waiting" && s.l.tickets[tk.number] == tk &&
					(tk.toCounter == counter || tk.toCounter == "" && slices.Contains(skills[counter], tk.service)) {
					can = append(can, tk)
				}
			}
			if len(can) > 0 {
				s.callTicket(a, can[rng.IntN(len(can))].number)
			}
		}
	}
	s.commit()
	return s
}
