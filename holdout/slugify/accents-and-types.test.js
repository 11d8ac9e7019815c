const test = require('node:test');
const assert = require('node:assert/strict');
const { slugify } = require(`${process.cwd()}/slugify.js`);

test('accents fold to ascii', () => assert.equal(slugify('Crème Brûlée'), 'creme-brulee'));
test('uppercase accents', () => assert.equal(slugify('ÜBER Straße'), 'uber-stra-e'));
test('non-strings throw', () => assert.throws(() => slugify(42), TypeError));
