const test = require('node:test');
const assert = require('node:assert/strict');
const { slugify } = require(`${process.cwd()}/slugify.js`);

test('two words', () => assert.equal(slugify('Hello World'), 'hello-world'));
test('one word', () => assert.equal(slugify('Factory'), 'factory'));
test('digits stay', () => assert.equal(slugify('Route 66'), 'route-66'));
test('already a slug', () => assert.equal(slugify('dark-factory'), 'dark-factory'));
