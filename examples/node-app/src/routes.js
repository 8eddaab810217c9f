'use strict';
const express = require('express');
const axios = require('axios');
const dayjs = require('dayjs');
const { formatDistanceToNow } = require('date-fns');
const jwt = require('jsonwebtoken');
const _ = require('lodash');
const { v4: uuid } = require('uuid');
const { pool } = require('./db');
const { version } = require('../package.json');

const router = express.Router();
const notes = new Map();
const secret = process.env.JWT_SECRET || 'dev-only-secret';

router.get('/', (req, res) => res.json({ service: 'node-app', version, now: dayjs().toISOString() }));
router.get('/health', (req, res) => res.json({ ok: true, database: pool ? 'configured' : 'in-memory' }));

router.post('/login', (req, res) => {
  const user = _.trim(String((req.body && req.body.user) || ''));
  if (!user) return res.status(400).json({ error: 'user is required' });
  return res.json({ token: jwt.sign({ sub: user }, secret, { expiresIn: '1h' }) });
});

router.get('/notes', (req, res) =>
  res.json(_.sortBy([...notes.values()], 'createdAt').map((n) => ({ ...n, age: formatDistanceToNow(new Date(n.createdAt)) }))),
);
router.post('/notes', (req, res) => {
  const text = _.trim(String((req.body && req.body.text) || ''));
  if (!text) return res.status(400).json({ error: 'text is required' });
  const note = { id: uuid(), text, createdAt: dayjs().toISOString() };
  notes.set(note.id, note);
  return res.status(201).json(note);
});

// Reports whether the upstream service (UPSTREAM_URL) answers.
router.get('/upstream', async (req, res) => {
  if (!process.env.UPSTREAM_URL) return res.status(404).json({ error: 'UPSTREAM_URL is not set' });
  try {
    const r = await axios.get(process.env.UPSTREAM_URL, { timeout: 3000 });
    return res.json({ status: r.status });
  } catch (e) {
    return res.status(502).json({ error: String(e.message || e) });
  }
});

module.exports = router;
