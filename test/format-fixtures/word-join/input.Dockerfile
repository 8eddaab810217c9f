FROM alpine
RUN echo foo\
bar && echo ba\
  z
RUN ec\
ho joined
