#!/bin/sh
# Print one line per site listed in the JSON file given as $1: name, URL, and (when the
# network is reachable) the HTTP status code. Offline, the status is reported as "-".
set -eu
sites=${1:-sites.json}
jq -r '.sites[] | "\(.name)\t\(.url)"' "$sites" | while IFS="$(printf '\t')" read -r name url; do
  code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url" 2>/dev/null || echo "-")
  printf '%-12s %-40s %s\n' "$name" "$url" "$code"
done
