# syntax=docker/dockerfile:1
FROM alpine
run  <<EOF
  set -eux   
	echo "tabs and trailing spaces stay"   
EOF
COPY <<-"CONF" /etc/app.conf
	key = value
	  nested = $NOT_EXPANDED
	CONF
RUN <<'A' bash && \
    echo after
echo $HOME
A
RUN python3 <<PY
print("hi")
PY
