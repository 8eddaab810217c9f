'use strict';
const dayjs = require('dayjs');
const { z } = require('zod');

/** The shape of a task, shared by every service in the repo. */
const Task = z.object({
  title: z.string().min(1),
  due: z.string().optional(),
});

function describe(task) {
  const t = Task.parse(task);
  return t.due ? `${t.title} (due ${dayjs(t.due).format('YYYY-MM-DD')})` : t.title;
}

module.exports = { Task, describe };
