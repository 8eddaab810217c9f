// A tiny status endpoint (no dependencies): the Dockerfile lives in docker/, compose builds it from here.
const http = require('node:http');

http
  .createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true, path: req.url }));
  })
  .listen(8080);
