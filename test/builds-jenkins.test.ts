/**
 * Jenkins pipelines (src/builds/jenkins.ts): sh steps, docker.build, dir() blocks, comments and
 * Groovy string literals, through findBuildDefinitions and the CLI.
 */
import { describe, expect, it } from 'vitest';
import { findBuildDefinitions } from '../src/builds/index.js';
import { runCli } from './helpers/cli.js';
import { defs, gitRepo, notes } from './helpers/builds.js';

const JENKINSFILE = [
  'pipeline {', // 1
  '  agent any',
  "  environment { IMAGE = 'app' }",
  '  stages {',
  "    stage('Build') {", // 5
  '      steps {',
  "        sh 'docker build -f docker/Dockerfile --target prod .'",
  "        dir('services/api') {",
  '          sh """', // 9
  '            docker build \\\\',
  '              --target dev .',
  '          """',
  '        }',
  '        script {', // 14
  '          docker.build("app:${env.BUILD_ID}", "-f docker/Dockerfile --target test --build-arg MODE=ci .")',
  '          def web = docker.build("web") // ./Dockerfile, context .',
  "          sh(script: 'docker buildx build --target lint .', returnStatus: true)",
  '        }',
  '      }',
  '    }', // 20
  '  }',
  '}',
  "// sh 'docker build --target commented-out .'",
  "/* sh 'docker build --target also-commented .' */",
  "def s = 'a { brace in a string'",
  "sh \"docker build --target ${params.TARGET} .\"",
  '',
].join('\n');

describe('Jenkinsfile', () => {
  it('sh steps (single, triple-quoted, script:), docker.build with and without arguments, dir() blocks; comments skipped', async () => {
    const dir = gitRepo({ Jenkinsfile: JENKINSFILE, 'Dockerfile': 'FROM scratch AS lint\n', 'docker/Dockerfile': 'FROM scratch\n', 'services/api/Dockerfile': 'FROM scratch AS dev\n' });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual([
      'docker/Dockerfile context=. target=prod <- Jenkinsfile:7 Jenkinsfile',
      'services/api/Dockerfile context=services/api target=dev <- Jenkinsfile:10 Jenkinsfile',
      'docker/Dockerfile context=. target=test args={"MODE":"ci"} <- Jenkinsfile:15 Jenkinsfile docker.build',
      'Dockerfile context=. <- Jenkinsfile:16 Jenkinsfile docker.build',
      'Dockerfile context=. target=lint <- Jenkinsfile:17 Jenkinsfile',
    ]);
    // The dir() block closed: the last step runs from the root again; ${params.TARGET} is Groovy's.
    expect(notes(r)).toEqual(['Jenkinsfile:26: --target ${params.TARGET}: cannot resolve ${params.TARGET}; entry not used']);
  });

  it('Jenkinsfile.<name> files too; a 1 MB pipeline of steps stays fast', async () => {
    const step = "sh 'docker build --target t .'\n";
    const dir = gitRepo({ 'Jenkinsfile.release': step.repeat(Math.floor((1 << 20) / step.length) - 1), 'Dockerfile': 'FROM scratch AS t\n' });
    const t0 = performance.now();
    const r = await findBuildDefinitions(dir);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(r.definitions.length).toBeGreaterThan(30_000);
    expect(r.definitions[0].source).toMatchObject({ line: 1, what: 'Jenkinsfile Jenkinsfile.release' });
  });

  it('the CLI: a target the pipeline builds is an output', () => {
    const dir = gitRepo({
      Jenkinsfile: "pipeline { agent any\n  stages { stage('b') { steps { sh 'docker build --target dev .' } } } }\n",
      'Dockerfile': 'FROM python:3.12 AS dev\nCOPY . .\nRUN pip install -r requirements.txt\nFROM python:3.12-slim AS prod\nCMD ["python"]\n',
      'requirements.txt': 'flask\n',
    });
    const r = runCli(['.'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Dockerfile:1:1: info [context] target dev (Jenkinsfile:2)\n');
  });

  it('the CLI on 33,000 build steps for one Dockerfile: each note names 10 sources and counts the rest, in well under the 15 s it took when sources were matched one by one', () => {
    const step = "sh 'docker build --target t .'\n";
    const dir = gitRepo({ Jenkinsfile: step.repeat(33_000), Dockerfile: 'FROM scratch AS t\n' });
    const t0 = performance.now();
    const r = runCli(['.'], dir);
    expect(performance.now() - t0).toBeLessThan(8_000);
    expect(r.code).toBe(0);
    const sources = Array.from({ length: 10 }, (_, i) => `Jenkinsfile:${i + 1}`).join('; ');
    expect(r.stdout).toContain(`Dockerfile:1:1: info [context] context . (${sources}; and 32990 more)\n`);
    expect(r.stdout).toContain(`Dockerfile:1:1: info [context] target t (${sources}; and 32990 more)\n`);
    expect(r.stdout.length).toBeLessThan(2_000);
  });
});
