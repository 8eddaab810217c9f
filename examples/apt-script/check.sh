#!/bin/sh
# Print the status of every endpoint listed in the JSON file given as $1:
# name, URL and the HTTP status code ("-" when the endpoint cannot be reached).
set -eu
endpoints=${1:-endpoints.json}
jq -r '.endpoints[] | "\(.name)\t\(.url)"' "$endpoints" | while IFS="$(printf '\t')" read -r name url; do
  code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url" 2>/dev/null || echo "-")
  printf '%-10s %-40s %s\n' "$name" "$url" "$code"
done
