FROM alpine
RUN apk add --no-cache \
    # tools for the build
    curl \
    # and git
    git \

    make
