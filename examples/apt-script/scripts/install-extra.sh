#!/bin/sh
# Install the extra tools the status checker needs on top of the base image.
# The base image has already run `apt-get update`, so this only installs.
set -eu
apt-get install -y --no-install-recommends jq
