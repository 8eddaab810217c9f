FROM alpine
ENV A=1 \
    B="two words" \
    C='three'
ENV PATH=/opt/bin:$PATH
ENV LEGACY value with   inner   spaces
LABEL org.opencontainers.image.title="My App" \
    org.opencontainers.image.version=1.0
LABEL maintainer "Jane Doe <jane@example.com>"
ENV X=1 \
    Y=2
