'use strict';
const express = require('express');
const dayjs = require('dayjs');
const _ = require('lodash');
const { v4: uuid } = require('uuid');
const { version } = require('../package.json');

const router = express.Router();
const notes = new Map();

router.get('/', (req, res) => res.json({ service: 'node-app', version, now: dayjs().toISOString() }));
router.get('/health', (req, res) => res.json({ ok: true }));

router.get('/notes', (req, res) => res.json(_.sortBy([...notes.values()], 'createdAt')));
router.post('/notes', (req, res) => {
  const text = _.trim(String((req.body && req.body.text) || ''));
  if (!text) return res.status(400).json({ error: 'text is required' });
  const note = { id: uuid(), text, createdAt: dayjs().toISOString() };
  notes.set(note.id, note);
  return res.status(201).json(note);
});

module.exports = router;
