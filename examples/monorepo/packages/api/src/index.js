'use strict';
const express = require('express');
const cors = require('cors');
const pino = require('pino');
const { Task, describe } = require('@acme/shared');

const log = pino();
const app = express();
const tasks = [];

app.use(cors());
app.use(express.json());
app.get('/health', (req, res) => res.json({ ok: true }));
app.get('/tasks', (req, res) => res.json(tasks.map((t) => ({ ...t, summary: describe(t) }))));
app.post('/tasks', (req, res) => {
  const parsed = Task.safeParse(req.body);
  if (!parsed.success) return res.status(400).json({ error: parsed.error.issues });
  tasks.push(parsed.data);
  return res.status(201).json(parsed.data);
});

if (require.main === module) {
  const port = Number(process.env.PORT || 8080);
  app.listen(port, () => log.info({ port }, 'api listening'));
}
module.exports = app;
