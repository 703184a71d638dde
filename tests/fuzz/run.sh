#!/bin/sh
# tests/fuzz/run.sh [seconds] [codec|wav|text|import|xlsx|rules|pages|webhook|template|formula] -
# fuzz the JSON codec (default), the scoring service's WAV reader or its text path, the pipeline's
# import reader, the .xlsx reader, its rule language, sealed page tokens, webhooks, templates or
# payroll's formulas with libFuzzer for a while
#
# The project builds with gcc; libFuzzer needs clang, so this script compiles
# the target itself: fuzz-codec.c, common/src/codec*.c, calendar.c, arena.c, buf.c, encoding.c
# log.c and trace.c, and the generated codec_test*.pb-c.c of a configured build dir
# ($HF_BUILD, default build/; run `ninja -C build` first). Every target that
# checks UTF-8 or base64url takes common/src/encoding.c and libsodium along. Output goes to build-fuzz/. New inputs
# are written to build-fuzz/corpus-codec, not to the checked-in seeds under
# tests/fuzz/corpus/codec: copy a small, interesting one there by hand (and
# every crash, as a regression seed; the unit suite replays them).
# The wav target (fuzz-wav.c, services/scoring/prosody.c, libsndfile) needs
# no build dir; its corpora are build-fuzz/corpus-wav and tests/fuzz/corpus/wav.
# The text target (fuzz-text.c: answer scoring and resume facts, with ICU, libstemmer,
# jansson and libcrypto) needs a build dir for the generated word lists and the built-in
# fit (lexicon-tables.h, evidence_cues.h, answer_fit.c); its corpora are
# build-fuzz/corpus-text and tests/fuzz/corpus/text.
# The import target (fuzz-import.c, services/pipeline/import*.c on common/src/table*.c, text.c,
# jansson, libzip, libxml2) is built with small row, field and sniff limits so that short
# inputs reach the overflow paths; its corpora are build-fuzz/corpus-import and
# tests/fuzz/corpus/import.
# The xlsx target (fuzz-xlsx.c, common/src/table*.c with libzip and libxml2) is built with the
# same small limits; its corpora are build-fuzz/corpus-xlsx and tests/fuzz/corpus/xlsx (seeded
# with common/tests/data/*.xlsx).
# The rules target (fuzz-rules.c: the automation rule language of the pipeline)
# needs nothing else; its corpora are build-fuzz/corpus-rules and tests/fuzz/corpus/rules.
# The pages target (fuzz-pages.c: common/src/page_token.c over crypto.c, libcrypto and
# libsodium) needs a build dir for the headers hf/store.h includes; its corpora are
# build-fuzz/corpus-pages and tests/fuzz/corpus/pages.
# The webhook target (fuzz-webhook.c: services/notify's signatures, SSRF guard, Retry-After,
# type filters and CloudEvents, with libsodium, libcurl and jansson) needs no build dir;
# its corpora are build-fuzz/corpus-webhook and tests/fuzz/corpus/webhook.
# The template target (fuzz-template.c: notify's template language, services/notify/template*.c
# with ICU) needs a build dir for the headers hf/store.h includes; its corpora are build-fuzz/corpus-template and
# tests/fuzz/corpus/template.
# The formula target (fuzz-formula.c: the pay schemes' formula language,
# services/payroll/formula*.c, catalogue.c, money.c) needs nothing else; its corpora are
# build-fuzz/corpus-formula and tests/fuzz/corpus/formula.
set -eu
seconds=${1:-60}
target=${2:-codec}
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/build-fuzz
build=${HF_BUILD:-$root/build}
if [ "$target" = wav ]; then
    mkdir -p "$out/corpus-wav"
    # shellcheck disable=SC2046 # pkg-config output is meant to split
    clang -std=c17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        "$root/tests/fuzz/fuzz-wav.c" "$root/services/scoring/prosody.c" \
        $(pkg-config --cflags --libs sndfile) -lm -o "$out/fuzz-wav"
    exec "$out/fuzz-wav" -max_total_time="$seconds" -max_len=16384 -timeout=10 \
        -artifact_prefix="$out/wav-" "$out/corpus-wav" "$root/tests/fuzz/corpus/wav"
fi
if [ "$target" = webhook ]; then
    mkdir -p "$out/corpus-webhook"
    nt=$root/services/notify
    # shellcheck disable=SC2046 # pkg-config output is meant to split
    clang -std=c17 -D_GNU_SOURCE -DHF_VERSION='"fuzz"' -g -O1 -fno-omit-frame-pointer \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        "$root/tests/fuzz/fuzz-webhook.c" "$nt/webhook_sign.c" "$nt/ssrf.c" "$nt/webhook_http.c" \
        "$nt/webhook_types.c" "$nt/cloudevent.c" \
        $(pkg-config --cflags --libs libsodium libcurl jansson) -o "$out/fuzz-webhook"
    exec "$out/fuzz-webhook" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
        -artifact_prefix="$out/webhook-" "$out/corpus-webhook" "$root/tests/fuzz/corpus/webhook"
fi
if [ "$target" = text ]; then
    mkdir -p "$out/corpus-text"
    sc=$root/services/scoring
    # shellcheck disable=SC2046 # pkg-config output is meant to split
    clang -std=c17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -I"$root/common/include" -I"$sc" -I"$build/services/scoring" "$root/tests/fuzz/fuzz-text.c" \
        "$sc/text.c" "$sc/lexicon.c" "$sc/quantity.c" "$sc/star.c" "$sc/evidence.c" \
        "$sc/answer.c" "$sc/calibrate.c" "$build/services/scoring/answer_fit.c" "$sc/resume.c" \
        "$root/common/src/arena.c" "$root/common/src/encoding.c" "$root/common/src/crypto.c" \
        $(pkg-config --cflags --libs icu-i18n icu-uc libsodium jansson libcrypto) -lstemmer -lm \
        -o "$out/fuzz-text"
    exec "$out/fuzz-text" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
        -artifact_prefix="$out/text-" "$out/corpus-text" "$root/tests/fuzz/corpus/text"
fi
if [ "$target" = template ]; then
    mkdir -p "$out/corpus-template"
    nt=$root/services/notify
    # shellcheck disable=SC2046 # pkg-config output is meant to split
    clang -std=c17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -I"$root/common/include" -I"${HF_BUILD:-$root/build}/proto" \
        "$root/tests/fuzz/fuzz-template.c" "$nt/template.c" \
        "$nt/template_vars.c" "$nt/template_defaults.c" "$root/common/src/encoding.c" \
        "$root/common/src/buf.c" \
        $(pkg-config --cflags --libs icu-i18n icu-uc libsodium libpq libzmq libprotobuf-c) -lm \
        -o "$out/fuzz-template"
    exec "$out/fuzz-template" -max_total_time="$seconds" -max_len=2048 -timeout=10 \
        -artifact_prefix="$out/template-" "$out/corpus-template" "$root/tests/fuzz/corpus/template"
fi
if [ "$target" = formula ]; then
    mkdir -p "$out/corpus-formula"
    pr=$root/services/payroll
    clang -std=c17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        "$root/tests/fuzz/fuzz-formula.c" "$pr/formula.c" "$pr/formula_eval.c" \
        "$pr/catalogue.c" "$pr/money.c" -o "$out/fuzz-formula"
    exec "$out/fuzz-formula" -max_total_time="$seconds" -max_len=2048 -timeout=10 \
        -artifact_prefix="$out/formula-" "$out/corpus-formula" "$root/tests/fuzz/corpus/formula"
fi
if [ "$target" = rules ]; then
    mkdir -p "$out/corpus-rules"
    pl=$root/services/pipeline
    # shellcheck disable=SC2046 # pkg-config output is meant to split
    clang -std=c17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -I"$root/common/include" "$root/tests/fuzz/fuzz-rules.c" "$pl"/rules*.c "$pl/stages.c" \
        "$root/common/src/encoding.c" $(pkg-config --cflags --libs libsodium) -lm \
        -o "$out/fuzz-rules"
    exec "$out/fuzz-rules" -max_total_time="$seconds" -max_len=2048 -timeout=10 \
        -artifact_prefix="$out/rules-" "$out/corpus-rules" "$root/tests/fuzz/corpus/rules"
fi
if [ "$target" = import ]; then
    mkdir -p "$out/corpus-import"
    pl=$root/services/pipeline
    # shellcheck disable=SC2046 # pkg-config output is meant to split
    clang -std=c17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -DHF_TABLE_MAX_ROW=512 -DHF_TABLE_MAX_FIELD=128 -DHF_TABLE_SNIFF=64 \
        -I"$root/common/include" "$root/tests/fuzz/fuzz-import.c" "$pl/import.c" \
        "$pl/import_ndjson.c" "$pl/import_rows.c" "$root"/common/src/table*.c \
        "$root/common/src/calendar.c" "$root/common/src/encoding.c" "$root/common/src/text.c" \
        $(pkg-config --cflags --libs jansson libsodium libzip libxml-2.0) -lm -o "$out/fuzz-import"
    exec "$out/fuzz-import" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
        -artifact_prefix="$out/import-" "$out/corpus-import" "$root/tests/fuzz/corpus/import"
fi
if [ "$target" = xlsx ]; then
    mkdir -p "$out/corpus-xlsx"
    # shellcheck disable=SC2046 # pkg-config output is meant to split
    clang -std=c17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -DHF_TABLE_MAX_ROW=512 -DHF_TABLE_MAX_FIELD=128 -DHF_TABLE_SNIFF=64 \
        -I"$root/common/include" "$root/tests/fuzz/fuzz-xlsx.c" "$root"/common/src/table*.c \
        "$root/common/src/calendar.c" "$root/common/src/encoding.c" "$root/common/src/text.c" \
        $(pkg-config --cflags --libs libzip libxml-2.0 libsodium) -lm -o "$out/fuzz-xlsx"
    exec "$out/fuzz-xlsx" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
        -artifact_prefix="$out/xlsx-" "$out/corpus-xlsx" "$root/tests/fuzz/corpus/xlsx"
fi
proto=${HF_BUILD:-$root/build}/proto/hrflow/v1
if [ "$target" = pages ]; then
    mkdir -p "$out/corpus-pages"
    # shellcheck disable=SC2046 # pkg-config output is meant to split
    clang -std=c17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -I"$root/common/include" -I"$proto/../.." "$root/tests/fuzz/fuzz-pages.c" \
        "$root/common/src/page_token.c" "$root/common/src/crypto.c" \
        "$root/common/src/encoding.c" \
        $(pkg-config --cflags --libs libcrypto libsodium libpq libzmq libprotobuf-c) \
        -o "$out/fuzz-pages"
    exec "$out/fuzz-pages" -max_total_time="$seconds" -max_len=512 -timeout=10 \
        -artifact_prefix="$out/pages-" "$out/corpus-pages" "$root/tests/fuzz/corpus/pages"
fi
for n in common codec_test codec_test_proto2; do
    if [ ! -f "$proto/$n.pb-c.c" ]; then
        echo "run.sh: $proto/$n.pb-c.c is missing; run ninja -C build first" >&2
        exit 1
    fi
done
mkdir -p "$out/corpus-codec"
# shellcheck disable=SC2046 # pkg-config output is meant to split
clang -std=c17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$root/common/include" -I"$proto/../.." \
    "$root/tests/fuzz/fuzz-codec.c" "$root"/common/src/codec*.c "$root/common/src/calendar.c" \
    "$root/common/src/arena.c" "$root/common/src/buf.c" \
    "$root/common/src/encoding.c" "$root/common/src/log.c" "$root/common/src/trace.c" \
    "$proto/common.pb-c.c" "$proto/codec_test.pb-c.c" "$proto/codec_test_proto2.pb-c.c" \
    $(pkg-config --cflags --libs jansson libprotobuf-c libsodium) -lm \
    -o "$out/fuzz-codec"
exec "$out/fuzz-codec" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
    -dict="$root/tests/fuzz/codec.dict" -artifact_prefix="$out/" \
    "$out/corpus-codec" "$root/tests/fuzz/corpus/codec"
