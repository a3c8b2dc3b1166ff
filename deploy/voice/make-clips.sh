#!/bin/sh
# make-clips.sh builds the default voice clip pack for display/voice, offline,
# with espeak-ng and sox from Debian:
#
#   apt-get install -y espeak-ng sox
#   deploy/voice/make-clips.sh /var/lib/sothutu/voice
#
# Every clip is written as 22050 Hz, mono, 16-bit PCM, normalised to -3 dBFS
# and trimmed of leading and trailing silence (Compose adds its own pauses).
# A centre may replace any clip with its own recording under the same name,
# converted to the same format:
#   sox in.wav -r 22050 -c 1 -b 16 vi/den_quay_so.wav
#
# Environment: VI_VOICE (default vi-vn-x-south, the Southern Vietnamese
# voice, for Can Tho; vi is the Northern one), EN_VOICE (default en),
# RATE (words per minute, default 150).
set -eu

out=${1:?usage: make-clips.sh OUTPUT_DIR}
VI_VOICE=${VI_VOICE:-vi-vn-x-south}
EN_VOICE=${EN_VOICE:-en}
RATE=${RATE:-150}

for tool in espeak-ng sox; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "make-clips.sh: $tool not found; install it with: apt-get install -y espeak-ng sox" >&2
		exit 1
	}
done

mkdir -p "$out/vi" "$out/en"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# fix IN OUT converts to the pack format, trims silence at both ends and
# normalises the level.
fix() {
	sox "$1" -r 22050 -c 1 -b 16 -e signed-integer "$2" \
		silence 1 0.01 0.1% reverse silence 1 0.01 0.1% reverse norm -3
}

# say VOICE NAME TEXT writes the clip NAME.wav.
say() {
	espeak-ng -v "$1" -s "$RATE" -w "$tmp/raw.wav" "$3"
	fix "$tmp/raw.wav" "$out/$2.wav"
}

# Chime: two soft tones, "ding-dong", 1.1 s.
sox -n -r 22050 -c 1 -b 16 "$tmp/ding.wav" synth 0.55 sine 880 fade q 0.01 0.55 0.45 vol 0.5
sox -n -r 22050 -c 1 -b 16 "$tmp/dong.wav" synth 0.55 sine 659.25 fade q 0.01 0.55 0.45 vol 0.5
sox "$tmp/ding.wav" "$tmp/dong.wav" "$tmp/chime.wav"
sox "$tmp/chime.wav" -r 22050 -c 1 -b 16 -e signed-integer "$out/chime.wav" norm -3

# Vietnamese. Digits as spoken in ticket numbers: 0 is "không", never "linh".
say "$VI_VOICE" vi/xin_moi_cong_dan_co_so_thu_tu "Xin mời công dân có số thứ tự"
say "$VI_VOICE" vi/den_quay_so "đến quầy số"
set -- không một hai ba bốn năm sáu bảy tám chín
i=0
for w in "$@"; do
	say "$VI_VOICE" "vi/$i" "$w"
	i=$((i + 1))
done
# Letters by their Vietnamese names (a, bê, xê, dê, …); F, J, W, Z, which
# are not in the Vietnamese alphabet, by their usual loan names.
for pair in A:a B:bê C:xê D:dê E:e F:ép G:giê H:hát I:i J:di K:ca L:e-lờ \
	M:em-mờ N:en-nờ O:o P:pê Q:quy R:e-rờ S:ét-xì T:tê U:u V:vê W:vê-kép \
	X:ích-xì Y:i-dài Z:dét; do
	say "$VI_VOICE" "vi/${pair%%:*}" "$(echo "${pair#*:}" | tr - ' ')"
done
# Counter numbers 10-99: mười, mười một, …, hai mươi mốt, hai mươi lăm.
n=10
while [ "$n" -le 99 ]; do
	tens=$((n / 10)) ones=$((n % 10))
	if [ "$tens" -eq 1 ]; then
		words="mười"
	else
		words="$(eval echo "\${$((tens + 1))}") mươi"
	fi
	case "$ones" in
	0) ;;
	1) if [ "$tens" -eq 1 ]; then words="$words một"; else words="$words mốt"; fi ;;
	5) words="$words lăm" ;;
	*) words="$words $(eval echo "\${$((ones + 1))}")" ;;
	esac
	say "$VI_VOICE" "vi/$n" "$words"
	n=$((n + 1))
done

# English.
say "$EN_VOICE" en/ticket_number "Ticket number"
say "$EN_VOICE" en/please_go_to_counter "please go to counter"
i=0
for w in zero one two three four five six seven eight nine; do
	say "$EN_VOICE" "en/$i" "$w"
	i=$((i + 1))
done
for pair in A:ay B:bee C:see D:dee E:ee F:eff G:jee H:aitch I:eye J:jay K:kay \
	L:ell M:em N:en O:oh P:pee Q:cue R:are S:ess T:tee U:you V:vee W:double-you \
	X:ex Y:why Z:zed; do
	say "$EN_VOICE" "en/${pair%%:*}" "$(echo "${pair#*:}" | tr - ' ')"
done
n=10
while [ "$n" -le 99 ]; do
	say "$EN_VOICE" "en/$n" "$n"
	n=$((n + 1))
done

echo "make-clips.sh: wrote $(find "$out" -name '*.wav' | wc -l) clips to $out" >&2
