// Package config reads a centre's configuration: one YAML file, written and
// kept by the centre's technician, that names the centre, its services, its
// counters, the devices allowed to connect and the controller's account.
// example.yaml in this package, also returned by Example, is a complete file
// for a ward centre in Can Tho to start from.
//
// # Format
//
// The file has six sections; all but rules are required:
//
//	centre:                      # id, name, timezone (default Asia/Ho_Chi_Minh)
//	  id: ninh-kieu
//	  name: {vi: "Trung tâm Phục vụ hành chính công phường Ninh Kiều", en: "..."}
//	rules:
//	  priority_max_in_row: 2     # 0 to 10, default 2
//	  hold_for: 10m              # 30s to 2h, default 10m: a held ticket unconfirmed so long is voided
//	services:                    # the queues
//	  - {id: A, prefix: A, width: 3, name: {vi: "Đất đai", en: "Land"}, target_wait: 20m, mean_service: 12m}
//	counters:                    # each serves one or more services at a level, 1 (main) to 9
//	  - id: "1"
//	    name: {vi: "Quầy 1", en: "Counter 1"}
//	    services: [{service: A, level: 1}, {service: B, level: 2}]
//	devices:                     # kiosk (with buttons), counter (with counter) or board
//	  - {id: kiosk-1, kind: kiosk, password: "...", buttons: [A, B]}
//	  - {id: counter-1, kind: counter, counter: "1", password: "..."}
//	  - {id: board-1, kind: board, password: "..."}
//	controller:                  # the controller's own MQTT account
//	  username: controller
//	  password: "..."
//
// Ids are 1 to 32 letters, digits, '-' or '_' (protocol.CheckID). A ticket
// number is the service's prefix (1 to 3 letters or digits; no prefix may
// start another) and the day's running number padded to width digits (1 to
// 6, default 3). Durations are written like 20m or 1h30m. A name is either
// {vi, en, km} with vi required, or a plain Vietnamese text; names are kept
// in precomposed Unicode (NFC) whichever way they were typed. Passwords have
// at least 8 characters. width and level may be left out (3 and 1), and
// devices may be an empty list, [].
//
// # Errors
//
// Parse checks everything at once and reports every mistake like a compiler,
// with the file, the line, the field and what was expected:
//
//	centre.yaml:23: counters[2].services[0].service: unknown service "G"; known: A, B, C, D, E, F
//
// Errors wrap ErrSyntax when the file is not readable YAML and ErrInvalid
// when a field is wrong.
package config
