const test = require('node:test');
const assert = require('node:assert/strict');
const { slugify } = require(`${process.cwd()}/slugify.js`);

test('repeated spaces collapse', () => assert.equal(slugify('a   b'), 'a-b'));
test('punctuation runs collapse', () => assert.equal(slugify('Hello, World!!'), 'hello-world'));
test('dashes and underscores collapse', () => assert.equal(slugify('one -- two__three'), 'one-two-three'));
test('no leading or trailing dash', () => assert.equal(slugify('  --Trim me--  '), 'trim-me'));
test('nothing sluggable', () => assert.equal(slugify('!!! ???'), ''));
