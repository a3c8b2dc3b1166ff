// Package voice announces calls on the hall board's speaker, offline and
// one at a time: "Xin mời công dân có số thứ tự A023 đến quầy số 5", then
// "Ticket number A023, please go to counter 5".
//
// Queue systems in the field fail here in two ways: online text-to-speech
// that goes silent when the centre's link is down, and announcements that
// cut each other off when two counters call at once. This package composes
// each announcement from recorded clips on disk (no network), and plays
// announcements through a single queue (never two at once).
//
// # Clip pack
//
// A pack is a folder of WAV files, all 16-bit integer PCM with one sample
// rate and channel count (LoadPack refuses a mixed pack and names the odd
// file). deploy/voice/make-clips.sh builds the default pack with espeak-ng
// and sox, at 22050 Hz mono. A centre may replace any clip with its own
// recording under the same name, converted to the pack's format:
//
//	sox recording.wav -r 22050 -c 1 -b 16 vi/den_quay_so.wav
//
// Layout (names are case-sensitive):
//
//	chime.wav                              the chime before each announcement
//	vi/xin_moi_cong_dan_co_so_thu_tu.wav   "Xin mời công dân có số thứ tự"
//	vi/den_quay_so.wav                     "đến quầy số"
//	vi/0.wav … vi/9.wav                    không, một, hai, ba, bốn, năm, sáu, bảy, tám, chín
//	vi/A.wav … vi/Z.wav                    letter names: a, bê, xê, dê, e, ép, giê, hát, i,
//	                                       di, ca, e-lờ, em-mờ, en-nờ, o, pê, quy, e-rờ,
//	                                       ét-xì, tê, u, vê, vê-kép, ích-xì, i-dài, dét
//	vi/10.wav … vi/99.wav                  optional: mười, mười một, …, hai mươi mốt,
//	                                       hai mươi lăm, … (counter numbers)
//	en/ticket_number.wav                   "Ticket number"
//	en/please_go_to_counter.wav            "please go to counter"
//	en/0.wav … en/9.wav, en/A.wav … en/Z.wav, en/10.wav … en/99.wav (optional)
//
// The vi folder is required; en is used when present and must then be
// complete. Letters are read by their Vietnamese names (the ones taught in
// school, as "bê", "xê" rather than the phonic "bờ", "cờ"), because a
// ticket letter is a name, not a sound; F, J, W and Z, which the Vietnamese
// alphabet lacks, by their usual loan names ("ép", "di", "vê-kép", "dét").
// espeak-ng reads single letters poorly, so make-clips.sh gives it these
// names as words.
//
// # Announcement
//
// Compose joins: chime, pause, first phrase, the ticket spelt character by
// character ("A023" is "A, không, hai, ba": 0 is "không", never "linh"),
// second phrase, the counter, with short silences between the parts. A
// counter id from 10 to 99 is read as a number ("mười lăm") when the pack
// has its clip, and spelt otherwise; dashes and underscores in a counter id
// are not read. A call again (Repeat > 0) sounds like the first call.
//
// # Wiring
//
//	pack, err := voice.LoadPack("/var/lib/sothutu/voice")
//	if err != nil {
//		return err
//	}
//	a := voice.NewAnnouncer(pack, &voice.ExecPlayer{}, voice.Options{
//		Langs:  []string{"vi", "en"},
//		Logger: log,
//	})
//	go a.Run(ctx) // owned and waited for by the board's main
//	…
//	a.Say(call) // for each protocol.Call received; never blocks
//
// ExecPlayer runs ALSA's "aplay -q -" once per announcement (Debian package
// alsa-utils), so a replugged USB speaker is found again; package
// voicetest has a fake Player that records plays and counts overlaps.
package voice
