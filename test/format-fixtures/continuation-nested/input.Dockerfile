FROM debian:bookworm
RUN set -eux; \
	apt-get update; \
	apt-get install -y --no-install-recommends \
		ca-certificates \
		curl \
# https://bugs.debian.org/929417
		tzdata \
	; \
	rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y \
          git \
          make \
      && rm -rf /var/lib/apt/lists/*
