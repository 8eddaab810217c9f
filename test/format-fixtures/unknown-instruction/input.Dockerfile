FROM alpine
FORM alpine   
rnu   echo   misspelled   
RUN echo ok
