/**
 * The base-image table (src/core/base-images.ts) and how src/analysis/images.ts applies it: which
 * user runs a step (root proven, a known non-root user, or unknown), the image's tool env in
 * the stage state, and Windows detection; plus syntax-directive's refusal in Windows files.
 */
import { describe, expect, it } from 'vitest';
import { imageFacts, isWindowsImageName, parseImageRef } from '../src/core/base-images.js';
import { DockerfileDocument } from '../src/core/document.js';
import { NoContext } from '../src/core/context.js';
import { osFamily, rootness, userAt, whyWindows } from '../src/analysis/images.js';
import { syntaxDirective } from '../transforms/syntax-directive.js';
import type { Options } from '../src/core/types.js';

/** userAt for the last RUN of a Dockerfile. */
function lastRunUser(text: string) {
  const doc = new DockerfileDocument(text);
  const run = doc.instructions.filter((i) => i.upper === 'RUN').at(-1)!;
  return userAt(run);
}

describe('parseImageRef', () => {
  it('removes the registries and namespaces that serve official images', () => {
    expect(parseImageRef('docker.io/library/rust:1.80')).toEqual({ repo: 'rust', tag: '1.80', digest: '' });
    expect(parseImageRef('mirror.gcr.io/library/golang@sha256:abc')).toEqual({ repo: 'golang', tag: '', digest: 'sha256:abc' });
    expect(parseImageRef('public.ecr.aws/docker/library/python:3.12-slim').repo).toBe('python');
    expect(parseImageRef('arm64v8/node:20').repo).toBe('node');
    expect(parseImageRef('docker.io/bitnami/python:3.11').repo).toBe('bitnami/python');
  });
  it('keeps other registries, and a port is not a tag', () => {
    expect(parseImageRef('localhost:5000/python')).toEqual({ repo: 'localhost:5000/python', tag: '', digest: '' });
    expect(parseImageRef('myregistry.example.com/python:3.12').repo).toBe('myregistry.example.com/python');
  });
});

describe('imageFacts', () => {
  it('knows official images run as root, with their tool env', () => {
    expect(imageFacts('python:3.11')?.defaultUser).toBe('root');
    expect(imageFacts('docker.io/library/rust@${DIGEST}')).toMatchObject({ defaultUser: 'root', env: { CARGO_HOME: '/usr/local/cargo' } });
    expect(imageFacts('golang:1.22-alpine')?.env).toEqual({ GOPATH: '/go' });
    expect(imageFacts('ruby:3.3')?.env.GEM_HOME).toBe('/usr/local/bundle');
    expect(imageFacts('node:20')?.users).toEqual([{ name: 'node', uid: 1000, gid: 1000, home: '/home/node' }]);
  });
  it('does not know a base named by a variable or an image outside the table', () => {
    expect(imageFacts('${BASE}')).toBeNull();
    expect(imageFacts('$REGISTRY/$OWNER/scipy-notebook')).toBeNull();
    expect(imageFacts('ghcr.io/example/app:1')).toBeNull();
    expect(imageFacts('myregistry.example.com/python:3.12')).toBeNull();
  });
  it('knows the non-root defaults of jupyter, distroless :nonroot, Chainguard, jenkins', () => {
    expect(imageFacts('quay.io/jupyter/base-notebook:2024-05-27')?.defaultUser).toEqual({ name: 'jovyan', uid: 1000, gid: 100, home: '/home/jovyan' });
    expect(imageFacts('jupyter/scipy-notebook')?.env.HOME).toBe('/home/jovyan');
    expect(imageFacts('gcr.io/distroless/static-debian12:nonroot')?.defaultUser).toMatchObject({ uid: 65532, home: '/home/nonroot' });
    expect(imageFacts('gcr.io/distroless/python3-debian12:debug-nonroot')?.defaultUser).toMatchObject({ uid: 65532 });
    expect(imageFacts('gcr.io/distroless/static-debian12')?.defaultUser).toBe('root');
    expect(imageFacts('gcr.io/distroless/static-debian12:${TAG}')?.defaultUser).toBeUndefined();
    expect(imageFacts('cgr.dev/chainguard/python:latest-dev')?.defaultUser).toMatchObject({ uid: 65532, gid: 65532 });
    expect(imageFacts('jenkins/jenkins:lts')?.defaultUser).toMatchObject({ name: 'jenkins', uid: 1000, home: '/var/jenkins_home' });
  });
  it('knows gradle images ran as gradle (1000) before Gradle 5 and as root since', () => {
    expect(imageFacts('gradle:4.6-jdk8-alpine')?.defaultUser).toMatchObject({ name: 'gradle', uid: 1000 });
    expect(imageFacts('gradle:5.4-jdk11')?.defaultUser).toBeUndefined();
    expect(imageFacts('gradle:8.10-jdk21')?.defaultUser).toBe('root');
    expect(imageFacts('gradle')?.defaultUser).toBe('root');
  });
  it('knows ubuntu 23.04+ ships the user ubuntu (1000) and still runs as root', () => {
    expect(imageFacts('ubuntu:24.04')).toMatchObject({ defaultUser: 'root', users: [{ name: 'ubuntu', uid: 1000, gid: 1000, home: '/home/ubuntu' }] });
    expect(imageFacts('ubuntu:noble-20240801')?.users).toHaveLength(1);
    expect(imageFacts('ubuntu:22.04')?.users).toEqual([]);
    expect(imageFacts('ubuntu:jammy')?.users).toEqual([]);
  });
  it('leaves bitnami and devcontainers default users unknown', () => {
    expect(imageFacts('bitnami/python:3.11')?.defaultUser).toBeUndefined();
    expect(imageFacts('mcr.microsoft.com/devcontainers/python:3.12')?.defaultUser).toBeUndefined();
  });
  it('gives .NET 8+ images the app user (1654), older ones none', () => {
    expect(imageFacts('mcr.microsoft.com/dotnet/sdk:8.0')).toMatchObject({ defaultUser: 'root', env: { APP_UID: '1654' } });
    expect(imageFacts('mcr.microsoft.com/dotnet/aspnet:6.0')).toMatchObject({ defaultUser: 'root', users: [], env: {} });
  });
});

describe('isWindowsImageName', () => {
  it.each([
    ['stefanscherer/node-windows:10', true],
    ['mcr.microsoft.com/windows/servercore:ltsc2022', true],
    ['mcr.microsoft.com/windows:1809', true],
    ['mcr.microsoft.com/dotnet/framework/sdk:4.8', true],
    ['python:3.12-windowsservercore-ltsc2022', true],
    ['golang:1.22-nanoserver-ltsc2022', true],
    ['dockcross/windows-static-x64', false],
    ['python:3.12', false],
    ['myorg/windowsill:1', false],
  ])('%s -> %s', (ref, windows) => {
    expect(isWindowsImageName(ref)).toBe(windows);
  });
});

describe('userAt', () => {
  it('proves root on a known root image, and for USER root/0 on any image', () => {
    expect(lastRunUser('FROM python:3.11\nRUN true\n')).toMatchObject({ root: true, certain: true, home: '/root' });
    expect(lastRunUser('FROM ghcr.io/x/y\nUSER 0\nRUN true\n')).toMatchObject({ root: true, certain: true });
  });
  it('says root, non-root or unknown', () => {
    expect(rootness(lastRunUser('FROM debian:12\nRUN true\n'))).toBe('root');
    expect(rootness(lastRunUser('FROM debian:12\nUSER nobody\nRUN true\n'))).toBe('non-root');
    expect(rootness(lastRunUser('FROM jenkins/jenkins:lts\nRUN true\n'))).toBe('non-root');
    expect(rootness(lastRunUser('FROM bitnami/node:20\nRUN true\n'))).toBe('unknown');
  });
  it('does not take an unknown base for root', () => {
    const u = lastRunUser('FROM ghcr.io/x/y:1\nRUN true\n');
    expect(u).toMatchObject({ root: false, certain: false });
    expect(u.home).toBeUndefined();
    expect(u.unknown).toBe('the base image `ghcr.io/x/y:1` is not known to run as root');
    expect(lastRunUser('ARG BASE\nFROM ${BASE}\nRUN true\n').unknown).toMatch(/named by a build argument/);
  });
  it('follows FROM <stage> chains to the image', () => {
    expect(lastRunUser('FROM quay.io/jupyter/minimal-notebook AS a\nFROM a\nRUN true\n')).toMatchObject({ name: 'jovyan', uid: 1000, gid: 100, certain: true });
    expect(lastRunUser('FROM node:20 AS a\nFROM a\nRUN true\n')).toMatchObject({ root: true });
  });
  it("expands USER with the image's env (USER ${NB_UID}, USER $APP_UID)", () => {
    expect(lastRunUser('FROM jupyter/base-notebook\nUSER root\nUSER ${NB_UID}\nRUN true\n')).toMatchObject({ uid: 1000, gid: 100, home: '/home/jovyan' });
    expect(lastRunUser('FROM mcr.microsoft.com/dotnet/sdk:8.0\nUSER $APP_UID\nRUN true\n')).toMatchObject({ uid: 1654, gid: 1654, home: '/home/app' });
  });
  it('follows usermod/groupmod renumbering of an image user', () => {
    expect(lastRunUser('FROM node:20\nRUN usermod -u 1001 node && groupmod -g 1002 node\nUSER node\nRUN true\n')).toMatchObject({ uid: 1001, gid: 1002 });
    const u = lastRunUser('FROM node:20\nARG UID\nRUN usermod -u ${UID} node\nUSER node\nRUN true\n');
    expect(u.uid).toBeUndefined();
    expect(u.uidUnknown).toBe('`usermod -u ${UID} node` gives it a uid from a variable');
    expect(lastRunUser('FROM node:20\nRUN usermod --login builder --home /home/builder node\nUSER builder\nRUN true\n')).toMatchObject({ name: 'builder', uid: 1000, home: '/home/builder' });
  });
});

describe('the base image env in the stage state', () => {
  it('holds CARGO_HOME on rust images, and a stage ENV wins over it', () => {
    const doc = new DockerfileDocument('FROM rust:1.80\nRUN a\nENV CARGO_HOME=/opt/cargo\nRUN b\n');
    const [a, b] = doc.instructions.filter((i) => i.upper === 'RUN');
    expect(a.state().env.get('CARGO_HOME')).toBe('/usr/local/cargo');
    expect(b.state().env.get('CARGO_HOME')).toBe('/opt/cargo');
    expect(a.state().args.has('CARGO_HOME')).toBe(false);
  });
});

describe('Windows stages', () => {
  it.each([
    ['FROM myorg/build:1\nWORKDIR C:\\app\nRUN x\n', 'its WORKDIR is a Windows path'],
    ['FROM myorg/build:1\nCOPY app.exe C:/app/\nRUN x\n', 'COPY writes to a Windows path'],
    ['FROM myorg/build:1\nADD ["app.exe", "C:\\\\app\\\\"]\nRUN x\n', 'ADD writes to a Windows path'],
    ['FROM myorg/build:1\nENV TOOLS=C:\\tools\nRUN x\n', 'an ENV value is a Windows path'],
    ['FROM myorg/build:1\nSHELL ["cmd", "/S", "/C"]\nRUN x\n', 'it sets a Windows SHELL'],
    ['FROM stefanscherer/node-windows:10 AS a\nFROM a\nRUN x\n', 'its base image `stefanscherer/node-windows:10` is a Windows image'],
  ])('%j', (text, why) => {
    const doc = new DockerfileDocument(text);
    const stage = doc.stages.at(-1)!;
    expect(osFamily(stage)).toBe('windows');
    expect(whyWindows(stage)).toBe(why);
  });
  it('a Linux stage with a /c path is not Windows', () => {
    const doc = new DockerfileDocument('FROM myorg/build:1\nWORKDIR /c/app\nENV X=a:b\nRUN x\n');
    expect(osFamily(doc.stages[0])).toBe('unknown');
  });
});

describe('syntax-directive in a file with a Windows stage', () => {
  const options = { transformOptions: {} } as Options;
  it('adds no directive, with a skipped finding that names the stage', () => {
    const original = new DockerfileDocument('FROM python:3.12 AS a\nRUN pip install x\nFROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nRUN echo\n');
    const doc = new DockerfileDocument('FROM python:3.12 AS a\nRUN --mount=type=cache,target=/root/.cache/pip pip install x\nFROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nRUN echo\n');
    const r = syntaxDirective.run(doc, { buildContext: new NoContext(), options, original });
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0].fix).toBeUndefined();
    expect(r.diagnostics[0]).toMatchObject({ kind: 'skipped', code: 'windows-stage' });
    expect(r.diagnostics[0].message).toMatch(/stage at line 3 is a Windows stage \(its base image `mcr\.microsoft\.com\/windows\/nanoserver:ltsc2022` is a Windows image\)/);
  });
  it('still adds it to a Linux-only file', () => {
    const original = new DockerfileDocument('FROM python:3.12\nRUN pip install x\n');
    const doc = new DockerfileDocument('FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install x\n');
    const r = syntaxDirective.run(doc, { buildContext: new NoContext(), options, original });
    expect(r.diagnostics[0].fix).toEqual({ applicability: 'safe', edits: [{ start: 0, end: 0, text: '# syntax=docker/dockerfile:1\n' }] });
  });
});
