#!/bin/sh
# services/scoring/tests/audio/make-audio.sh - the spoken test answers of test-prosody.c
#
# The same answer, in Mandarin (espeak-ng -v cmn) and English, rendered twice:
# fluent (one call to espeak-ng at a normal rate) and hesitant (slower, each
# phrase rendered alone, joined by a 0.5 s and a 1.2 s silence). Each phrase
# is trimmed of espeak's own leading and trailing silence so the pauses are
# exactly where this script puts them; audio.txt lists every file's length,
# unit count (characters or words) and pause positions for the tests. Output
# is 16 kHz mono 16-bit WAV under 200 KB each, committed so the tests need no
# espeak-ng at run time. Needs espeak-ng and sox; rerun by hand.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pad=0.15

# phrase N VOICE SPEED TEXT: render and trim one phrase to $tmp/N.wav
phrase() {
    espeak-ng -v "$2" -s "$3" -w "$tmp/raw.wav" "$4"
    sox "$tmp/raw.wav" -r 16000 -c 1 -b 16 "$tmp/$1.wav" vol 0.7 \
        silence 1 0.01 -45d reverse silence 1 0.01 -45d reverse
}

ms() {
    soxi -D "$1" | awk '{ printf "%d", $1 * 1000 + 0.5 }'
}

# render NAME VOICE UNITS FLUENT-SPEED HESITANT-SPEED PHRASE [GAP-MS PHRASE]...
render() {
    name=$1 voice=$2 units=$3 fast=$4 slow=$5
    shift 5
    phrase all "$voice" "$fast" "$(echo "$@" | sed 's/ [0-9][0-9]* / /g')"
    sox "$tmp/all.wav" "$name-fluent.wav" pad $pad $pad
    echo "$name-fluent.wav $(ms "$name-fluent.wav") $units" >> audio.txt
    i=0 at=150 pauses="" parts=""
    for p in "$@"; do
        case $p in
        [0-9]*)
            pauses="$pauses $at-$((at + p))"
            at=$((at + p))
            sox -n -r 16000 -c 1 -b 16 "$tmp/gap$i.wav" trim 0 "$(echo "$p" | awk '{ print $1 / 1000 }')"
            parts="$parts $tmp/gap$i.wav" ;;
        *)
            phrase "p$i" "$voice" "$slow" "$p"
            parts="$parts $tmp/p$i.wav"
            at=$((at + $(ms "$tmp/p$i.wav"))) ;;
        esac
        i=$((i + 1))
    done
    # shellcheck disable=SC2086 # the parts are meant to split
    sox $parts "$tmp/joined.wav"
    sox "$tmp/joined.wav" "$name-hesitant.wav" pad $pad $pad
    echo "$name-hesitant.wav $(ms "$name-hesitant.wav") $units$pauses" >> audio.txt
}

echo "# file length_ms units pause_start-pause_end... (made by make-audio.sh)" > audio.txt
render zh cmn 11 230 185 "我负责" 500 "这个项目" 1200 "销售翻倍"
render en en-us 8 165 120 "I led it" 500 "and we doubled" 1200 "our sales"
ls -l ./*.wav
