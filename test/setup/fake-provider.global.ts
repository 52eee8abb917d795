import type { TestProject } from 'vitest/node';
import { startFakeProvider } from '../fake-provider/server.ts';

/** One fake provider for the whole run; tests isolate themselves by scenario `id`. */
export default async function setup(project: TestProject) {
  const fake = await startFakeProvider();
  project.provide('fakeProviderUrl', fake.url);
  return () => fake.close();
}
