#!/usr/bin/env bash
# Regenerates contacts/phone-time-zones.json from Google libphonenumber's own artifacts on
# Maven Central (needs mvn and a JDK ≥ 11). Bump VERSION/GEOCODER together: geocoder 3.N
# ships with libphonenumber 9.0.N.
set -euo pipefail
VERSION=${VERSION:-9.0.23}
GEOCODER=${GEOCODER:-3.23}
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../contacts/phone-time-zones.json"
repo=${M2_REPO:-$HOME/.m2/repository}
for artifact in "libphonenumber:$VERSION" "prefixmapper:$GEOCODER" "geocoder:$GEOCODER"; do
  mvn -q -B dependency:get -Dtransitive=false -Dartifact="com.googlecode.libphonenumber:$artifact" >/dev/null
done
base="$repo/com/googlecode/libphonenumber"
cp="$base/libphonenumber/$VERSION/libphonenumber-$VERSION.jar"
cp="$cp:$base/prefixmapper/$GEOCODER/prefixmapper-$GEOCODER.jar:$base/geocoder/$GEOCODER/geocoder-$GEOCODER.jar"
java -cp "$cp" "$here/DumpTimeZones.java" \
  "com.googlecode.libphonenumber:geocoder:$GEOCODER (libphonenumber $VERSION), timezones/map_data" >"$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out ($(grep -c '|\|/' "$out") lines)"
