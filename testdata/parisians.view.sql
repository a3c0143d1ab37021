-- People who live in Paris (a data-directory view: the file name is the view name).
SELECT id, name, age FROM people WHERE city = 'Paris'
