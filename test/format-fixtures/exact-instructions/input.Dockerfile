FROM alpine
WORKDIR /srv/my \
        app
USER   app:app   
STOPSIGNAL   SIGTERM
MAINTAINER  Jane   Doe
