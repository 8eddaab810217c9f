FROM nginx
healthcheck   --interval=30s   --timeout=3s \
      CMD curl -f http://localhost/ || exit 1
onbuild   run   echo   building
HEALTHCHECK NONE
