'use strict';
const express = require('express');
const compression = require('compression');
const helmet = require('helmet');
const morgan = require('morgan');
const routes = require('./routes');

const app = express();
app.use(helmet());
app.use(compression());
app.use(morgan('tiny'));
app.use(express.json());
app.use('/', routes);

const port = Number(process.env.PORT || 3000);
if (require.main === module) {
  app.listen(port, () => console.log(`node-app listening on :${port}`));
}
module.exports = app;
