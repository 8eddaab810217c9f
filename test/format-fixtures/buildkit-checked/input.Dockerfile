  from   debian:bookworm   as   base
env A=1 B="two  words"   C='three'
ENV LEGACY value with   inner   spaces
ENV JOINED=ab\
cd
label   org.example.title="My  App" \
      org.example.version=1.0
workdir   /srv/my\
app
RUN echo "keep    \
        these spaces" > /q1 && \
        printf '%s\n' 'single \
      quoted' > /q2
RUN x="$(echo "nested \
   quote")" && echo "$x" > /q3
RUN echo foo\
bar > /q4 && echo ba\
  z > /q5
RUN set -eux; \
	mkdir -p /opt/a; \
	for d in one two; do \
		echo "$d" >> /opt/a/list; \
# a comment between continuation lines
	done
RUN echo a\ \
    b > /q6
RUN echo start > /q7 # a shell comment \
      continues here
copy   Dockerfile   /ctx/Dockerfile.copy
CMD [ "echo" , "tab\there", "uni\u0041" ]
