FROM alpine
RUN apk add \
  curl \
      git
ENV A=1 \
  B=2
