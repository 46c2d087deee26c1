import { parseProfile, ProfileError } from '../../src/scenario/profile.js';

/** The issues parseProfile reports for a profile text; fails the test when the profile is accepted. */
export function issues(text: string): { path: string; message: string }[] {
  try {
    parseProfile(text, 'test.yaml');
  } catch (e) {
    if (e instanceof ProfileError) return [...e.issues];
    throw e;
  }
  throw new Error('profile was accepted');
}
