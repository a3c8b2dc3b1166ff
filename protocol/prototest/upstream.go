package prototest

import "github.com/sothutu/sothutu/protocol"

// Upstream are the figures records a centre sends to the city, and the
// city's acknowledgements.
var Upstream = []Case{
	{
		Name:  "figures: five minutes of land",
		Desc:  "Land (A) from 09:00 to 09:05: 4 issued, 3 served after waits of 5 to 21 minutes, 6 waiting at 09:05; one kiosk of 11 devices offline.",
		Topic: protocol.FiguresTopic(Centre),
		JSON:  `{"v":1,"centre":"ninh-kieu","seq":37,"kind":"interval","day":"2026-11-23","from":"2026-11-23T09:00:00+07:00","to":"2026-11-23T09:05:00+07:00","services":[{"service":"A","issued":4,"served":3,"no_shows":0,"transferred":1,"wait":{"n":3,"p50":600,"p90":1260,"p95":1260,"max":1260},"within_target":3,"service_time":{"n":3,"p50":700,"p90":900,"p95":900,"max":900},"waiting":6,"target_s":1800,"ratings":[1,1,0,0]}],"counters_open":8,"devices":{"total":11,"offline":1,"faults":0}}`,
		Want: protocol.Figures{V: 1, Centre: "ninh-kieu", Seq: 37, Kind: protocol.FiguresInterval, Day: "2026-11-23",
			From: at(9, 0, 0), To: at(9, 5, 0), Services: []protocol.ServiceFigures{{Service: "A", Issued: 4, Served: 3, Transferred: 1,
				Wait:         protocol.Quantiles{N: 3, P50: 600, P90: 1260, P95: 1260, Max: 1260},
				WithinTarget: 3,
				ServiceTime:  protocol.Quantiles{N: 3, P50: 700, P90: 900, P95: 900, Max: 900},
				Waiting:      6, TargetSeconds: 1800, Ratings: [4]int{1, 1, 0, 0}}},
			CountersOpen: 8, Devices: protocol.DeviceFigures{Total: 11, Offline: 1}},
	},
	{
		Name:  "figures: quantiles that fall",
		Topic: protocol.FiguresTopic(Centre),
		JSON:  `{"v":1,"centre":"ninh-kieu","seq":1,"kind":"interval","day":"2026-11-23","from":"2026-11-23T09:00:00+07:00","to":"2026-11-23T09:05:00+07:00","services":[{"service":"A","issued":1,"served":1,"no_shows":0,"transferred":0,"wait":{"n":2,"p50":600,"p90":60,"p95":60,"max":600},"within_target":2,"service_time":{"n":0,"p50":0,"p90":0,"p95":0,"max":0},"waiting":0,"target_s":1800,"ratings":[0,0,0,0]}],"counters_open":8,"devices":{"total":11,"offline":0,"faults":0}}`,
		Err:   protocol.ErrInvalid, Code: protocol.CodeInvalid, Field: "services[0].wait",
	},
	{
		Name:  "figures: record number zero",
		Topic: protocol.FiguresTopic(Centre),
		JSON:  `{"v":1,"centre":"ninh-kieu","seq":0,"kind":"day","day":"2026-11-23","from":"2026-11-23T00:00:00+07:00","to":"2026-11-24T00:00:00+07:00","services":[],"counters_open":0,"devices":{"total":0,"offline":0,"faults":0}}`,
		Err:   protocol.ErrInvalid, Code: protocol.CodeInvalid, Field: "seq",
	},
	{
		Name:  "figures ack",
		Topic: protocol.FiguresAckTopic(Centre),
		JSON:  `{"v":1,"centre":"ninh-kieu","seqs":[37,38]}`,
		Want:  protocol.FiguresAck{V: 1, Centre: "ninh-kieu", Seqs: []int64{37, 38}},
	},
}
