FROM golang:1.22
RUN --mount=type=cache,target=/root/.cache/go-build \
  --mount=type=cache,target=/go/pkg/mod \
      --mount=type=bind,target=. \
  go build -o /out/app ./cmd/app
COPY --from=build   --chmod=0755 \
  /out/app /usr/local/bin/app
